import KubeAPI
import Testing
@testable import APIServer

/// `fieldValidation=Strict|Warn|Ignore` on create, update and patch, for built-in kinds (from
/// the built-in OpenAPI schema) and custom resources (from the CRD schema); unknown fields are
/// never stored.
@Suite struct FieldValidationTests {
    typealias F = CustomResourceFixture

    static let deployments = "/apis/apps/v1/namespaces/default/deployments"

    static func deployment(extra: Bool) -> JSONValue {
        var spec: JSONValue = [
            "replicas": 1,
            "selector": ["matchLabels": ["app": "w"]],
            "template": [
                "metadata": ["labels": ["app": "w"]],
                "spec": ["containers": [["name": "c", "image": "nginx", "bogusContainerField": true]]],
            ],
        ]
        if extra { spec.setMember("foo", "bar") }
        return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "w"], "spec": spec]
    }

    enum Target: String, CaseIterable, Sendable { case builtin, custom }

    func path(_ target: Target) -> String { target == .builtin ? Self.deployments : F.cronTabs }

    func body(_ target: Target, name: String = "w") -> JSONValue {
        switch target {
        case .builtin:
            var object = Self.deployment(extra: true)
            object.updateMetadata { $0["name"] = .string(name) }
            return object
        case .custom:
            return F.cronTab(name, spec: ["cronSpec": "* * * * *", "foo": "bar"])
        }
    }

    func expectedUnknown(_ target: Target) -> [String] {
        target == .builtin ? ["spec.template.spec.containers[0].bogusContainerField", "spec.foo"] : ["spec.foo"]
    }

    func fixture(_ target: Target) async throws -> F {
        let f = try await F()
        if target == .custom { try await f.establish(F.cronTabCRD()) }
        return f
    }

    @Test(arguments: Target.allCases)
    func strictRefusesUnknownFields(_ target: Target) async throws {
        let f = try await fixture(target)
        defer { f.stop() }
        let reply = await f.send(.post, path(target), query: [("fieldValidation", "Strict")], body: body(target))
        #expect(reply.status == 400)
        #expect(reply.reason == "BadRequest")
        let kind = target == .builtin ? "Deployment" : "CronTab"
        let unknown = expectedUnknown(target).map { "unknown field \"\($0)\"" }.joined(separator: ", ")
        #expect(reply.message == "\(kind) in version \"v1\" cannot be handled as a \(kind): strict decoding error: \(unknown)")
    }

    @Test(arguments: Target.allCases)
    func warnDropsAndWarns(_ target: Target) async throws {
        let f = try await fixture(target)
        defer { f.stop() }
        for query in [[("fieldValidation", "Warn")], []] {
            let name = query.isEmpty ? "default-mode" : "warn"
            let reply = await f.send(.post, path(target), query: query, body: body(target, name: name))
            #expect(reply.status == 201, "\(reply.text)")
            let warnings = reply.headers[values: .init("Warning")!]
            #expect(warnings == expectedUnknown(target).map { #"299 - "unknown field \"\#($0)\"""# })
            #expect(reply.json[path: "spec", "foo"] == nil)
            let stored = await f.send(.get, path(target) + "/" + name)
            #expect(stored.json[path: "spec", "foo"] == nil)
        }
    }

    @Test(arguments: Target.allCases)
    func ignoreDropsSilently(_ target: Target) async throws {
        let f = try await fixture(target)
        defer { f.stop() }
        let reply = await f.send(.post, path(target), query: [("fieldValidation", "Ignore")], body: body(target))
        #expect(reply.status == 201)
        #expect(reply.headers[values: .init("Warning")!].isEmpty)
        #expect(reply.json[path: "spec", "foo"] == nil)
        if target == .builtin {
            #expect(reply.json[path: "spec", "template", "spec", "containers", "0", "bogusContainerField"] == nil)
        }
    }

    @Test(arguments: Target.allCases)
    func updateAndPatchAreChecked(_ target: Target) async throws {
        let f = try await fixture(target)
        defer { f.stop() }
        let clean: JSONValue = target == .builtin ? Self.deployment(extra: false) : F.cronTab("w")
        var stripped = clean
        if target == .builtin {
            stripped = CustomResourceDefinitionValidationTests.setting(clean, ["spec", "template", "spec", "containers"], [["name": "c", "image": "nginx"]])
        }
        #expect(await f.send(.post, path(target), body: stripped).status == 201)
        let strictPut = await f.send(.put, path(target) + "/w", query: [("fieldValidation", "Strict")], body: body(target))
        #expect(strictPut.status == 400)
        #expect(strictPut.message.contains("strict decoding error: "))
        #expect(strictPut.message.contains(#"unknown field "spec.foo""#))
        let strictPatch = await f.send(.patch, path(target) + "/w", query: [("fieldValidation", "Strict")], body: ["spec": ["foo": 1]], contentType: "application/merge-patch+json")
        #expect(strictPatch.status == 400)
        #expect(strictPatch.message.hasSuffix(#"strict decoding error: unknown field "spec.foo""#))
        let warnPatch = await f.send(.patch, path(target) + "/w", query: [("fieldValidation", "Warn")], body: ["spec": ["foo": 1]], contentType: "application/merge-patch+json")
        #expect(warnPatch.status == 200)
        #expect(warnPatch.headers[values: .init("Warning")!] == [#"299 - "unknown field \"spec.foo\"""#])
        #expect(warnPatch.json[path: "spec", "foo"] == nil)
    }

    @Test func unknownMetadataFieldsAreReportedOnce() async throws {
        let f = try await F()
        defer { f.stop() }
        let object: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "m", "bogus": 1], "data": ["k": "v"]]
        let reply = await f.send(.post, "/api/v1/namespaces/default/configmaps", query: [("fieldValidation", "Strict")], body: object)
        #expect(reply.message == #"ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus""#)
        let warned = await f.send(.post, "/api/v1/namespaces/default/configmaps", body: object)
        #expect(warned.status == 201)
        #expect(warned.json[path: "metadata", "bogus"] == nil)
    }

    @Test func unsupportedModeIsABadRequest() async throws {
        let f = try await F()
        defer { f.stop() }
        let reply = await f.send(.post, "/api/v1/namespaces/default/configmaps", query: [("fieldValidation", "Loud")], body: RESTFixture.configMap("x"))
        #expect(reply.status == 400)
        #expect(reply.message == #"fieldValidation: Unsupported value: "Loud": supported values: "Ignore", "Strict", "Warn""#)
    }
}

extension FieldValidationTests {
    @Test func duplicateFieldsAreStrictErrorsAndWarnings() async throws {
        let f = try await F()
        defer { f.stop() }
        let raw = #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"k":"1","k":"2"}}"#
        var request = APIRequest(method: .post, path: "/api/v1/namespaces/default/configmaps", query: [(name: "fieldValidation", value: "Strict")], body: Array(raw.utf8))
        request.headers[.contentType] = "application/json"
        let strict = await f.handler.handle(request)
        #expect(strict.status.code == 400)
        guard case .bytes(let bytes) = strict.body else { Issue.record("no body"); return }
        #expect(String(decoding: bytes, as: UTF8.self).contains(#"strict decoding error: duplicate field \"k\""#))
        request.query = [(name: "fieldValidation", value: "Warn")]
        let warned = await f.handler.handle(request)
        #expect(warned.status.code == 201)
        #expect(warned.headers[values: .init("Warning")!] == [#"299 - "duplicate field \"k\"""#])
    }
}
