import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct ResourceHandlerCRUDTests {
    let cms = "/api/v1/namespaces/default/configmaps"

    @Test func createGetListUpdateDelete() async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, cms, body: RESTFixture.configMap("one"))
        #expect(created.status == 201)
        let meta = try #require(created.json["metadata"])
        #expect(meta["namespace"]?.stringValue == "default")
        #expect(meta["uid"]?.stringValue?.count == 36)
        #expect(meta["creationTimestamp"]?.stringValue?.hasSuffix("Z") == true)
        let rv = try #require(meta["resourceVersion"]?.stringValue)
        #expect(Int64(rv) != nil)

        let got = await f.send(.get, cms + "/one")
        #expect(got.status == 200)
        #expect(got.json == created.json)

        let list = await f.send(.get, cms)
        #expect(list.status == 200)
        #expect(list.json["kind"]?.stringValue == "ConfigMapList")
        #expect(list.json["apiVersion"]?.stringValue == "v1")
        #expect(list.json["items"]?.arrayValue?.count == 1)
        #expect(Int64(list.json[path: "metadata", "resourceVersion"]?.stringValue ?? "") ?? 0 >= Int64(rv)!)

        var changed = created.json
        changed.setMember("data", ["k": "w"])
        let updated = await f.send(.put, cms + "/one", body: changed)
        #expect(updated.status == 200)
        #expect(updated.json["data"]?["k"]?.stringValue == "w")
        #expect(updated.json[path: "metadata", "uid"] == meta["uid"])
        #expect(updated.json[path: "metadata", "resourceVersion"]?.stringValue != rv)

        let deleted = await f.send(.delete, cms + "/one")
        #expect(deleted.status == 200)
        #expect(deleted.json["kind"]?.stringValue == "Status")
        #expect(deleted.json["status"]?.stringValue == "Success")
        #expect(deleted.json[path: "details", "kind"]?.stringValue == "configmaps")
        #expect(await f.send(.get, cms + "/one").status == 404)
    }

    struct ErrorCase: Sendable, CustomStringConvertible {
        var description: String
        var method: HTTPRequest.Method
        var path: String
        var body: [UInt8]?
        var contentType = "application/json"
        var status: Int
        var reason: String
        var message: String
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(description: "malformed JSON", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array("{\"kind\":".utf8), status: 400, reason: "BadRequest", message: "error decoding request body"),
        ErrorCase(description: "kind mismatch", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array(#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"}}"#.utf8), status: 400, reason: "BadRequest", message: "does not match the expected kind (ConfigMap)"),
        ErrorCase(description: "apiVersion mismatch", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array(#"{"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"a"}}"#.utf8), status: 400, reason: "BadRequest", message: "the API version in the data (apps/v1) does not match the expected API version (v1)"),
        ErrorCase(description: "kind of the wrong type", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array(#"{"apiVersion":"v1","kind":7,"metadata":{"name":"a"}}"#.utf8), status: 400, reason: "BadRequest", message: "cannot unmarshal number into Go struct field .kind of type string"),
        ErrorCase(description: "namespace mismatch", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"other"}}"#.utf8), status: 400, reason: "BadRequest", message: "the namespace of the provided object does not match the namespace sent on the request"),
        ErrorCase(description: "missing namespace", method: .post, path: "/api/v1/namespaces/nope/configmaps", body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#.utf8), status: 404, reason: "NotFound", message: "namespaces \"nope\" not found"),
        ErrorCase(description: "invalid name", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}"#.utf8), status: 422, reason: "Invalid", message: "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""),
        ErrorCase(description: "no name", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}"#.utf8), status: 422, reason: "Invalid", message: "metadata.name: Required value: name or generateName is required"),
        ErrorCase(description: "get missing", method: .get, path: "/api/v1/namespaces/default/configmaps/missing", body: nil, status: 404, reason: "NotFound", message: "configmaps \"missing\" not found"),
        ErrorCase(description: "get missing deployment", method: .get, path: "/apis/apps/v1/namespaces/default/deployments/missing", body: nil, status: 404, reason: "NotFound", message: "deployments.apps \"missing\" not found"),
        ErrorCase(description: "unknown resource", method: .get, path: "/api/v1/namespaces/default/widgets", body: nil, status: 404, reason: "NotFound", message: "the server could not find the requested resource"),
        ErrorCase(description: "verb not served", method: .delete, path: "/api/v1/namespaces", body: nil, status: 405, reason: "MethodNotAllowed", message: "deletecollection is not supported on resources of kind \"namespaces\""),
        ErrorCase(description: "unsupported media type", method: .post, path: "/api/v1/namespaces/default/configmaps", body: Array("a: b".utf8), contentType: "text/plain", status: 415, reason: "UnsupportedMediaType", message: "the body of the request was in an unknown format"),
        ErrorCase(description: "unsupported patch type", method: .patch, path: "/api/v1/namespaces/default/configmaps/x", body: Array("{}".utf8), contentType: "application/json", status: 415, reason: "UnsupportedMediaType", message: "accepted media types include"),
        ErrorCase(description: "bad dryRun", method: .post, path: "/api/v1/namespaces/default/configmaps?dryRun=Some", body: nil, status: 400, reason: "BadRequest", message: "dryRun"),
        ErrorCase(description: "unknown field label", method: .get, path: "/api/v1/namespaces/default/configmaps?fieldSelector=spec.foo%3Dx", body: nil, status: 400, reason: "BadRequest", message: "field label not supported: spec.foo"),
        ErrorCase(description: "bad label selector", method: .get, path: "/api/v1/namespaces/default/configmaps?labelSelector=a%20in", body: nil, status: 400, reason: "BadRequest", message: "unable to parse"),
    ]

    @Test(arguments: errorCases)
    func errors(_ c: ErrorCase) async throws {
        let f = try await RESTFixture()
        let revisionBefore = try await f.datastore.currentRevision
        var path = c.path
        var query: [(String, String)] = []
        if let q = path.firstIndex(of: "?") {
            for pair in path[path.index(after: q)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                query.append((parts[0], (parts.count > 1 ? parts[1] : "").replacingPercentEscapes()))
            }
            path = String(path[..<q])
        }
        let reply = await f.send(c.method, path, query: query, raw: c.body ?? (c.method == .post ? Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}"#.utf8) : nil), contentType: c.contentType)
        #expect(reply.status == c.status, "\(reply.text)")
        #expect(reply.json["kind"]?.stringValue == "Status")
        #expect(reply.json["code"]?.intValue == Int64(c.status))
        #expect(reply.reason == c.reason)
        #expect(reply.message.contains(c.message), "\(reply.message)")
        #expect(try await f.datastore.currentRevision == revisionBefore)
    }

    @Test("a body without kind and apiVersion gets the endpoint's", arguments: [
        #"{"metadata":{"name":"bare"},"data":{"k":"v"}}"#,
        #"{"kind":"ConfigMap","metadata":{"name":"bare"},"data":{"k":"v"}}"#,
        #"{"apiVersion":"v1","metadata":{"name":"bare"},"data":{"k":"v"}}"#,
    ])
    func missingTypeMetaIsFilledIn(body: String) async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, cms, raw: Array(body.utf8))
        #expect(created.status == 201, "\(created.text)")
        #expect(created.text.hasPrefix(#"{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"bare""#), "\(created.text)")
        let got = await f.send(.get, cms + "/bare")
        #expect(got.json["data"]?["k"]?.stringValue == "v")
        #expect(got.json["kind"]?.stringValue == "ConfigMap")
    }

    @Test func invalidNameCarriesFieldCause() async throws {
        let f = try await RESTFixture()
        let reply = await f.send(.post, cms, body: RESTFixture.configMap("UPPER"))
        #expect(reply.status == 422)
        #expect(reply.json[path: "details", "causes", "0", "field"]?.stringValue == "metadata.name")
        #expect(reply.json[path: "details", "causes", "0", "reason"]?.stringValue == "FieldValueInvalid")
    }

    @Test func alreadyExistsAndConflict() async throws {
        let f = try await RESTFixture()
        let first = await f.send(.post, cms, body: RESTFixture.configMap("a"))
        #expect(first.status == 201)
        let again = await f.send(.post, cms, body: RESTFixture.configMap("a"))
        #expect(again.status == 409)
        #expect(again.reason == "AlreadyExists")
        #expect(again.message == "configmaps \"a\" already exists")

        var stale = first.json
        stale.setMember("data", ["k": "1"])
        #expect(await f.send(.put, cms + "/a", body: stale).status == 200)
        stale.setMember("data", ["k": "2"])
        let conflict = await f.send(.put, cms + "/a", body: stale)
        #expect(conflict.status == 409)
        #expect(conflict.reason == "Conflict")
        #expect(conflict.message == "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again")

        // Without a resourceVersion the update is unconditional.
        var unconditional = RESTFixture.configMap("a", data: ["k": "3"])
        unconditional.updateMetadata { $0["namespace"] = "default" }
        let forced = await f.send(.put, cms + "/a", body: unconditional)
        #expect(forced.status == 200)
        #expect(forced.json["data"]?["k"]?.stringValue == "3")

        let wrongName = await f.send(.put, cms + "/b", body: unconditional)
        #expect(wrongName.status == 400)
        #expect(wrongName.message == "the name of the object (a) does not match the name on the URL (b)")
    }

    @Test func generateName() async throws {
        let f = try await RESTFixture()
        var names = Set<String>()
        for _ in 0..<5 {
            let reply = await f.send(.post, cms, body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "web-"]])
            #expect(reply.status == 201)
            let name = try #require(reply.json[path: "metadata", "name"]?.stringValue)
            #expect(name.hasPrefix("web-") && name.count == 9)
            #expect(reply.json[path: "metadata", "generateName"]?.stringValue == "web-")
            names.insert(name)
        }
        #expect(names.count == 5)
    }

    @Test func dryRunLeavesStoreUnchanged() async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, cms, body: RESTFixture.configMap("keep"))
        let before = try await f.datastore.currentRevision
        let dryCreate = await f.send(.post, cms, query: [("dryRun", "All")], body: RESTFixture.configMap("new"))
        #expect(dryCreate.status == 201)
        #expect(dryCreate.json[path: "metadata", "uid"]?.stringValue != nil)
        var changed = created.json
        changed.setMember("data", ["k": "changed"])
        let dryUpdate = await f.send(.put, cms + "/keep", query: [("dryRun", "All")], body: changed)
        #expect(dryUpdate.status == 200)
        #expect(dryUpdate.json["data"]?["k"]?.stringValue == "changed")
        let dryDelete = await f.send(.delete, cms + "/keep", query: [("dryRun", "All")])
        #expect(dryDelete.status == 200)
        #expect(try await f.datastore.currentRevision == before)
        #expect(await f.send(.get, cms + "/new").status == 404)
        #expect(await f.send(.get, cms + "/keep").json["data"]?["k"]?.stringValue == "v")
    }

    @Test func finalizersKeepObjectUntilRemoved() async throws {
        let f = try await RESTFixture()
        var object = RESTFixture.configMap("fin")
        object.updateMetadata { $0["finalizers"] = ["example.com/hold"] }
        #expect(await f.send(.post, cms, body: object).status == 201)
        let deleting = await f.send(.delete, cms + "/fin")
        #expect(deleting.status == 200)
        #expect(deleting.json["kind"]?.stringValue == "ConfigMap")
        #expect(deleting.json[path: "metadata", "deletionTimestamp"]?.stringValue != nil)
        #expect(deleting.json[path: "metadata", "deletionGracePeriodSeconds"]?.intValue == 0)
        let still = await f.send(.get, cms + "/fin")
        #expect(still.status == 200)
        var release = still.json
        release.updateMetadata { $0["finalizers"] = .array([]) }
        let released = await f.send(.put, cms + "/fin", body: release)
        #expect(released.status == 200)
        #expect(await f.send(.get, cms + "/fin").status == 404)
    }

    @Test(arguments: [("Orphan", "orphan"), ("Foreground", "foregroundDeletion")])
    func propagationPolicyFinalizers(_ policy: String, _ finalizer: String) async throws {
        let f = try await RESTFixture()
        #expect(await f.send(.post, cms, body: RESTFixture.configMap("p")).status == 201)
        let reply = await f.send(.delete, cms + "/p", body: ["kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": .string(policy)])
        #expect(reply.status == 200)
        #expect(reply.json[path: "metadata", "finalizers"] == [.string(finalizer)])
        #expect(await f.send(.get, cms + "/p").status == 200)
    }

    @Test func deletePreconditions() async throws {
        let f = try await RESTFixture()
        #expect(await f.send(.post, cms, body: RESTFixture.configMap("pre")).status == 201)
        let reply = await f.send(.delete, cms + "/pre", body: ["preconditions": ["uid": "wrong"]])
        #expect(reply.status == 409)
        #expect(reply.message.contains("Precondition failed: UID in precondition: wrong"))
        #expect(await f.send(.get, cms + "/pre").status == 200)
    }

    @Test func deleteCollectionWithSelector() async throws {
        let f = try await RESTFixture()
        for index in 0..<4 {
            _ = await f.send(.post, cms, body: RESTFixture.configMap("c\(index)", labels: ["even": index % 2 == 0 ? "yes" : "no"]))
        }
        let reply = await f.send(.delete, cms, query: [("labelSelector", "even=yes")])
        #expect(reply.status == 200)
        #expect(reply.json["items"]?.arrayValue?.count == 2)
        let rest = await f.send(.get, cms)
        #expect(rest.json["items"]?.arrayValue?.compactMap { $0[path: "metadata", "name"]?.stringValue } == ["c1", "c3"])
    }

    @Test func terminatingNamespaceRefusesContent() async throws {
        let f = try await RESTFixture(namespaces: ["default", "doomed"])
        let deleting = await f.send(.delete, "/api/v1/namespaces/doomed")
        #expect(deleting.status == 200)
        #expect(deleting.json[path: "status", "phase"]?.stringValue == "Terminating")
        let reply = await f.send(.post, "/api/v1/namespaces/doomed/configmaps", body: RESTFixture.configMap("x"))
        #expect(reply.status == 403)
        #expect(reply.message == "configmaps \"x\" is forbidden: unable to create new content in namespace doomed because it is being terminated")
        // Finalizing the namespace deletes it.
        var finalize = deleting.json
        finalize.setMember("spec", ["finalizers": .array([])])
        let done = await f.send(.put, "/api/v1/namespaces/doomed/finalize", body: finalize)
        #expect(done.status == 200)
        #expect(await f.send(.get, "/api/v1/namespaces/doomed").status == 404)
    }

    @Test func namespacesGetDefaultsAndClusterScope() async throws {
        let f = try await RESTFixture()
        let ns = await f.send(.get, "/api/v1/namespaces/default")
        #expect(ns.status == 200)
        #expect(ns.json[path: "status", "phase"]?.stringValue == "Active")
        #expect(ns.json[path: "spec", "finalizers"] == ["kubernetes"])
        #expect(ns.json[path: "metadata", "namespace"] == nil)
    }
}

extension String {
    func replacingPercentEscapes() -> String {
        var bytes: [UInt8] = []
        var iterator = Array(utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
