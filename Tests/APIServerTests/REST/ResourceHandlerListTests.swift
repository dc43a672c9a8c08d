import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct ResourceHandlerListTests {
    let cms = "/api/v1/namespaces/default/configmaps"

    @Test func paginationIsOneSnapshotDespiteConcurrentWrites() async throws {
        let f = try await RESTFixture()
        for index in 0..<10 { _ = await f.send(.post, cms, body: RESTFixture.configMap("item\(index)")) }
        var names: [String] = []
        var token: String? = nil
        var firstRevision: String? = nil
        var pages = 0
        repeat {
            var query: [(String, String)] = [("limit", "3")]
            if let token { query.append(("continue", token)) }
            let page = await f.send(.get, cms, query: query)
            #expect(page.status == 200)
            pages += 1
            names += page.json["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue } ?? []
            token = page.json[path: "metadata", "continue"]?.stringValue
            let revision = page.json[path: "metadata", "resourceVersion"]?.stringValue
            if firstRevision == nil { firstRevision = revision } else { #expect(revision == firstRevision) }
            if token != nil {
                #expect(page.json[path: "metadata", "remainingItemCount"]?.intValue == Int64(10 - names.count))
            }
            // Writes between pages do not show up.
            _ = await f.send(.post, cms, body: RESTFixture.configMap("late\(pages)"))
            _ = await f.send(.delete, cms + "/item9")
        } while token != nil
        #expect(pages == 4)
        #expect(names == (0..<10).map { "item\($0)" })
    }

    @Test func expiredContinueTokenIsGone() async throws {
        let f = try await RESTFixture()
        for index in 0..<4 { _ = await f.send(.post, cms, body: RESTFixture.configMap("e\(index)")) }
        let first = await f.send(.get, cms, query: [("limit", "2")])
        let token = try #require(first.json[path: "metadata", "continue"]?.stringValue)
        _ = await f.send(.post, cms, body: RESTFixture.configMap("later"))
        try await f.datastore.compact(upTo: try await f.datastore.currentRevision)
        let next = await f.send(.get, cms, query: [("limit", "2"), ("continue", token)])
        #expect(next.status == 410)
        #expect(next.reason == "Expired")
        let old = await f.send(.get, cms, query: [("resourceVersion", "1"), ("resourceVersionMatch", "Exact")])
        #expect(old.status == 410)
    }

    @Test func virtualResourcesNeedAnOverride() async throws {
        let f = try await RESTFixture()
        let review: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": ["token": "x"]]
        let reply = await f.send(.post, "/apis/authentication.k8s.io/v1/tokenreviews", body: review)
        #expect(reply.status == 405)
        struct Echo: APIHandler {
            func handle(_ request: APIRequest) async -> APIResponse { APIResponse(status: .created) }
        }
        let handler = ResourceHandler(registry: f.registry, overrides: ["authentication.k8s.io/tokenreviews": Echo()])
        let overridden = await handler.handle(f.request(.post, "/apis/authentication.k8s.io/v1/tokenreviews", body: review))
        #expect(overridden.status == .created)
    }

    @Test func badContinueToken() async throws {
        let f = try await RESTFixture()
        let reply = await f.send(.get, cms, query: [("limit", "1"), ("continue", "garbage")])
        #expect(reply.status == 400)
    }

    @Test func listAcrossNamespacesAndExactVersion() async throws {
        let f = try await RESTFixture(namespaces: ["default", "other"])
        let first = await f.send(.post, cms, body: RESTFixture.configMap("a"))
        _ = await f.send(.post, "/api/v1/namespaces/other/configmaps", body: RESTFixture.configMap("b"))
        let all = await f.send(.get, "/api/v1/configmaps")
        #expect(all.json["items"]?.arrayValue?.count == 2)
        let rv = try #require(first.json[path: "metadata", "resourceVersion"]?.stringValue)
        let exact = await f.send(.get, "/api/v1/configmaps", query: [("resourceVersion", rv), ("resourceVersionMatch", "Exact")])
        #expect(exact.status == 200)
        #expect(exact.json["items"]?.arrayValue?.count == 1)
        #expect(exact.json[path: "metadata", "resourceVersion"]?.stringValue == rv)
        let bad = await f.send(.get, "/api/v1/configmaps", query: [("resourceVersionMatch", "Exact")])
        #expect(bad.status == 400)
    }

    @Test func statusSubresourceAndGeneration() async throws {
        let f = try await RESTFixture()
        let path = "/apis/apps/v1/namespaces/default/deployments"
        let created = await f.send(.post, path, body: RESTFixture.deployment("web"))
        #expect(created.status == 201)
        #expect(created.json[path: "metadata", "generation"]?.intValue == 1)
        #expect(created.json["status"] == .object([:]))

        // The main resource ignores status; spec changes bump generation.
        var main = created.json
        main.setMember("status", ["replicas": 5])
        main.setMember("spec", created.json["spec"].map { spec in var s = spec; s.setMember("replicas", 3); return s })
        let updated = await f.send(.put, path + "/web", body: main)
        #expect(updated.status == 200)
        #expect(updated.json[path: "metadata", "generation"]?.intValue == 2)
        #expect(updated.json["status"] == .object([:]))

        // The status subresource changes only status.
        var status = updated.json
        status.setMember("status", ["replicas": 3])
        status.setMember("spec", ["replicas": 99])
        let statusReply = await f.send(.put, path + "/web/status", body: status)
        #expect(statusReply.status == 200)
        #expect(statusReply.json[path: "status", "replicas"]?.intValue == 3)
        #expect(statusReply.json[path: "spec", "replicas"]?.intValue == 3)
        #expect(statusReply.json[path: "metadata", "generation"]?.intValue == 2)

        // Scale reads and writes spec.replicas.
        let scale = await f.send(.get, path + "/web/scale")
        #expect(scale.json["kind"]?.stringValue == "Scale")
        #expect(scale.json["apiVersion"]?.stringValue == "autoscaling/v1")
        #expect(scale.json[path: "spec", "replicas"]?.intValue == 3)
        #expect(scale.json[path: "status", "selector"]?.stringValue == "app=web")
        let rescale = await f.send(.put, path + "/web/scale", body: ["apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": ["name": "web"], "spec": ["replicas": 7]])
        #expect(rescale.status == 200)
        #expect(rescale.json[path: "spec", "replicas"]?.intValue == 7)
        let patchedScale = await f.send(.patch, path + "/web/scale", raw: Array(#"{"spec":{"replicas":2}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(patchedScale.json[path: "spec", "replicas"]?.intValue == 2)
        #expect(await f.send(.get, path + "/web").json[path: "spec", "replicas"]?.intValue == 2)
    }

    @Test func patchTypes() async throws {
        let f = try await RESTFixture()
        let path = "/apis/apps/v1/namespaces/default/deployments"
        _ = await f.send(.post, path, body: RESTFixture.deployment("p"))
        let merge = await f.send(.patch, path + "/p", raw: Array(#"{"metadata":{"labels":{"x":"1"}}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(merge.status == 200)
        #expect(merge.json[path: "metadata", "labels", "x"]?.stringValue == "1")
        let json = await f.send(.patch, path + "/p", raw: Array(#"[{"op":"replace","path":"/spec/replicas","value":4}]"#.utf8), contentType: "application/json-patch+json")
        #expect(json.status == 200)
        #expect(json.json[path: "spec", "replicas"]?.intValue == 4)
        let smp = await f.send(.patch, path + "/p", raw: Array(#"{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}"#.utf8), contentType: "application/strategic-merge-patch+json")
        #expect(smp.status == 200)
        #expect(smp.json[path: "spec", "template", "spec", "containers"]?.arrayValue?.count == 2)
        let failedTest = await f.send(.patch, path + "/p", raw: Array(#"[{"op":"test","path":"/spec/replicas","value":1}]"#.utf8), contentType: "application/json-patch+json")
        #expect(failedTest.status == 422)
        let stale = await f.send(.patch, path + "/p", raw: Array(#"{"metadata":{"resourceVersion":"1"},"spec":{"replicas":9}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(stale.status == 409)
        let missing = await f.send(.patch, path + "/nope", raw: Array("{}".utf8), contentType: "application/merge-patch+json")
        #expect(missing.status == 404)
        let apply = await f.send(.patch, path + "/applied", query: [("fieldManager", "me")], raw: RESTFixture.deployment("applied").serialized(), contentType: "application/apply-patch+yaml")
        #expect(apply.status == 201)
        #expect(apply.json[path: "metadata", "managedFields", "0", "manager"]?.stringValue == "me")
        let noManager = await f.send(.patch, path + "/applied", raw: RESTFixture.deployment("applied").serialized(), contentType: "application/apply-patch+yaml")
        #expect(noManager.status == 422)
    }

    @Test func podBinding() async throws {
        let f = try await RESTFixture()
        let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "b"], "spec": ["containers": [["name": "c", "image": "busybox"]]]]
        _ = await f.send(.post, "/api/v1/namespaces/default/pods", body: pod)
        let binding: JSONValue = ["apiVersion": "v1", "kind": "Binding", "metadata": ["name": "b"], "target": ["kind": "Node", "name": "node1"]]
        let bound = await f.send(.post, "/api/v1/namespaces/default/pods/b/binding", body: binding)
        #expect(bound.status == 201)
        let got = await f.send(.get, "/api/v1/namespaces/default/pods/b")
        #expect(got.json[path: "spec", "nodeName"]?.stringValue == "node1")
        let again = await f.send(.post, "/api/v1/namespaces/default/bindings", body: binding)
        #expect(again.status == 409)
        // A bound pod is deleted gracefully.
        let deleting = await f.send(.delete, "/api/v1/namespaces/default/pods/b")
        #expect(deleting.status == 200)
        #expect(deleting.json[path: "metadata", "deletionGracePeriodSeconds"]?.intValue == 30)
        let huge = await f.send(.delete, "/api/v1/namespaces/default/pods/b", query: [("gracePeriodSeconds", "9223372036854775807")])
        #expect(huge.status == 200)
        let now = await f.send(.delete, "/api/v1/namespaces/default/pods/b", query: [("gracePeriodSeconds", "0")])
        #expect(now.status == 200)
        #expect(await f.send(.get, "/api/v1/namespaces/default/pods/b").status == 404)
    }

    @Test func randomBodiesNeverCrashOrWrite() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, cms, body: RESTFixture.configMap("fixed"))
        let before = try await f.datastore.currentRevision
        var generator = SystemRandomNumberGenerator()
        let fragments = [#"{"#, #"}"#, #"["#, #"]"#, #"""#, ":", ",", "null", "1", "-0.5e9", #""kind""#, #""apiVersion""#, #""v1""#, #""metadata""#, #""name""#, #""ConfigMap""#, "\u{0}", "\u{FF}", "true", #"\u00"#]
        let types = ["application/json", "application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json", "text/plain", ""]
        for _ in 0..<300 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                body += Array(fragments.randomElement(using: &generator)!.utf8)
            }
            let method: HTTPRequest.Method = [.post, .put, .patch, .delete].randomElement(using: &generator)!
            let path = method == .post ? cms : cms + "/fixed"
            let reply = await f.send(method, path, raw: body, contentType: types.randomElement(using: &generator)!)
            if reply.status < 400 && method != .patch {
                // Only a well-formed request may succeed; random text never does.
                Issue.record("unexpected success \(reply.status) for \(method) \(String(decoding: body, as: UTF8.self)): \(reply.text)")
            }
            if reply.status >= 400 { #expect(reply.json["kind"]?.stringValue == "Status") }
        }
        // PATCH with `{}`-like bodies may be accepted as no-ops, which write nothing.
        #expect(try await f.datastore.currentRevision == before)
    }
}
