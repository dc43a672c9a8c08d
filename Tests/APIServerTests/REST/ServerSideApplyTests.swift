import Foundation
import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

/// `managedFields` on every write and server-side apply through the REST handler.
@Suite struct ServerSideApplyTests {
    let deployments = "/apis/apps/v1/namespaces/default/deployments"
    static let applyType = "application/apply-patch+yaml"

    func entries(_ object: JSONValue) -> [JSONValue] { object[path: "metadata", "managedFields"]?.arrayValue ?? [] }
    func entry(_ object: JSONValue, _ manager: String, _ operation: String) -> JSONValue? {
        entries(object).first { $0["manager"]?.stringValue == manager && $0["operation"]?.stringValue == operation }
    }
    func fieldsV1(_ object: JSONValue, _ manager: String, _ operation: String) -> String {
        entry(object, manager, operation).map { String(decoding: ($0["fieldsV1"] ?? .null).serialized(escapingHTML: false), as: UTF8.self) } ?? ""
    }

    func apply(_ f: RESTFixture, _ name: String, _ body: String, manager: String?, force: Bool = false, dryRun: Bool = false, path: String? = nil) async -> RESTFixture.Reply {
        var query: [(String, String)] = []
        if let manager { query.append(("fieldManager", manager)) }
        if force { query.append(("force", "true")) }
        if dryRun { query.append(("dryRun", "All")) }
        return await f.send(.patch, path ?? "\(deployments)/\(name)", query: query, raw: Array(body.utf8), contentType: Self.applyType)
    }

    static let yamlDeployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels:
            app: web
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: app
                image: nginx:1
        """

    @Test func createUpdatePatchRecordManagers() async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, deployments, query: [("fieldManager", "kubectl-create")], body: RESTFixture.deployment("d"))
        #expect(created.status == 201)
        #expect(entries(created.json).count == 1)
        let create = try #require(entry(created.json, "kubectl-create", "Update"))
        #expect(create["apiVersion"] == "apps/v1" && create["fieldsType"] == "FieldsV1" && create["time"]?.stringValue?.hasSuffix("Z") == true)
        // The structs upstream's decoding always writes (`strategy`, a container's `resources`)
        // are part of what the creator sent, as upstream records them.
        #expect(fieldsV1(created.json, "kubectl-create", "Update") == #"{"f:spec":{"f:replicas":{},"f:selector":{},"f:strategy":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{".":{},"k:{\"name\":\"c\"}":{".":{},"f:image":{},"f:name":{},"f:resources":{}}}}}}}"#)

        // A merge patch by another manager takes the field it changes.
        let patched = await f.send(.patch, deployments + "/d", query: [("fieldManager", "scaler")], raw: Array(#"{"spec":{"replicas":5}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(patched.status == 200)
        #expect(fieldsV1(patched.json, "scaler", "Update") == #"{"f:spec":{"f:replicas":{}}}"#)
        #expect(!fieldsV1(patched.json, "kubectl-create", "Update").contains("f:replicas"))

        // A PUT without fieldManager is recorded under the User-Agent's product name.
        var body = patched.json
        body.setMember("spec", body["spec"].map { var s = $0; s.setMember("paused", true); return s })
        var request = f.request(.put, deployments + "/d", body: body)
        request.headers[.userAgent] = "kubectl-edit/v1.36.0 (linux/amd64) kubernetes/abc"
        let response = await f.handler.handle(request)
        guard case .bytes(let bytes) = response.body else { Issue.record("no body"); return }
        let updated = try JSONValue(parsing: bytes)
        #expect(response.status.code == 200)
        #expect(fieldsV1(updated, "kubectl-edit", "Update") == #"{"f:spec":{"f:paused":{}}}"#)
        #expect(entries(updated).count == 3)

        // A write that changes nothing leaves managedFields (and the object) alone.
        let same = await f.send(.patch, deployments + "/d", query: [("fieldManager", "noop")], raw: Array(#"{"spec":{"replicas":5}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(entry(same.json, "noop", "Update") == nil)
        #expect(same.json[path: "metadata", "resourceVersion"] == updated[path: "metadata", "resourceVersion"])
    }

    @Test func statusWritesRecordTheSubresource() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, deployments, query: [("fieldManager", "creator")], body: RESTFixture.deployment("s"))
        let status = await f.send(.patch, deployments + "/s/status", query: [("fieldManager", "controller")], raw: Array(#"{"status":{"replicas":1}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(status.status == 200)
        let controller = try #require(entry(status.json, "controller", "Update"))
        #expect(controller["subresource"] == "status")
        #expect(fieldsV1(status.json, "controller", "Update") == #"{"f:status":{"f:replicas":{}}}"#)
        // Status apply.
        let applied = await apply(f, "s", #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"s"},"status":{"observedGeneration":1}}"#, manager: "status-applier", path: deployments + "/s/status")
        #expect(applied.status == 200)
        #expect(applied.json[path: "status", "observedGeneration"] == 1)
        #expect(entry(applied.json, "status-applier", "Apply")?["subresource"] == "status")
    }

    @Test func scaleWritesRecordTheSubresource() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, deployments, query: [("fieldManager", "creator")], body: RESTFixture.deployment("sc"))
        let scaled = await f.send(.patch, deployments + "/sc/scale", query: [("fieldManager", "kubectl-scale")], raw: Array(#"{"spec":{"replicas":4}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(scaled.status == 200)
        let object = await f.send(.get, deployments + "/sc")
        #expect(entry(object.json, "kubectl-scale", "Update")?["subresource"] == "scale")
        #expect(fieldsV1(object.json, "kubectl-scale", "Update") == #"{"f:spec":{"f:replicas":{}}}"#)
        #expect(!fieldsV1(object.json, "creator", "Update").contains("f:replicas"))
        // Applying another value now conflicts with the scaler.
        let conflict = await apply(f, "sc", #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"sc"},"spec":{"replicas":1}}"#, manager: "applier")
        #expect(conflict.message == #"Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource "scale" using apps/v1: .spec.replicas"#)
    }

    @Test func managedFieldsSentByClients() async throws {
        let f = try await RESTFixture()
        let created = await f.send(.post, deployments, query: [("fieldManager", "creator")], body: RESTFixture.deployment("m"))
        // An empty list keeps what is recorded.
        var keep = created.json
        keep.updateMetadata { $0["managedFields"] = .array([]) }
        let kept = await f.send(.put, deployments + "/m", query: [("fieldManager", "x")], body: keep)
        #expect(kept.status == 200)
        #expect(entries(kept.json).count == 1)
        // A list of one empty entry clears it.
        let cleared = await f.send(.patch, deployments + "/m", query: [("fieldManager", "x")], raw: Array(#"{"metadata":{"managedFields":[{}]}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(cleared.status == 200)
        #expect(cleared.json[path: "metadata", "managedFields"] == nil)
        // Garbage is refused and nothing is stored.
        let before = await f.send(.get, deployments + "/m")
        let garbage = await f.send(.patch, deployments + "/m", query: [("fieldManager", "x")], raw: Array(#"{"metadata":{"managedFields":[{"manager":"a","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"bogus":{}}}]},"spec":{"replicas":7}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(garbage.status == 422)
        #expect(garbage.reason == "Invalid")
        #expect(garbage.message.contains("metadata.managedFields[0].fieldsV1"))
        let badOperation = await f.send(.patch, deployments + "/m", raw: Array(#"{"metadata":{"managedFields":[{"manager":"a","operation":"Merge","fieldsV1":{"f:spec":{}}}]}}"#.utf8), contentType: "application/merge-patch+json")
        #expect(badOperation.status == 422)
        #expect(badOperation.message.contains("must be `Apply` or `Update`"))
        let after = await f.send(.get, deployments + "/m")
        #expect(after.json == before.json)
    }

    @Test func applyYAMLCreatesThenConflictsThenForces() async throws {
        let f = try await RESTFixture()
        let created = await apply(f, "web", Self.yamlDeployment, manager: "kubectl")
        #expect(created.status == 201)
        #expect(created.json[path: "spec", "replicas"] == 2)
        #expect(fieldsV1(created.json, "kubectl", "Apply") == #"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#)

        let change = Self.yamlDeployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 3")
        let conflict = await apply(f, "web", change, manager: "other")
        #expect(conflict.status == 409)
        #expect(conflict.reason == "Conflict")
        #expect(conflict.message == #"Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas"#)
        let cause = conflict.json[path: "details", "causes", "0"]
        #expect(cause?["reason"] == "FieldManagerConflict")
        #expect(cause?["field"] == ".spec.replicas")
        #expect(cause?["message"] == #"conflict with "kubectl""#)

        let dry = await apply(f, "web", change, manager: "other", force: true, dryRun: true)
        #expect(dry.status == 200)
        #expect(dry.json[path: "spec", "replicas"] == 3)
        #expect((await f.send(.get, deployments + "/web")).json[path: "spec", "replicas"] == 2)

        let forced = await apply(f, "web", change, manager: "other", force: true)
        #expect(forced.status == 200)
        #expect(forced.json[path: "spec", "replicas"] == 3)
        #expect(!fieldsV1(forced.json, "kubectl", "Apply").contains("f:replicas"))
        #expect(fieldsV1(forced.json, "other", "Apply").contains("f:replicas"))
        #expect(forced.json[path: "metadata", "generation"] == 2)
    }

    @Test func applyRemovesFieldsNoLongerApplied() async throws {
        let f = try await RESTFixture()
        _ = await apply(f, "web", Self.yamlDeployment, manager: "kubectl")
        let smaller = Self.yamlDeployment.replacingOccurrences(of: "  labels:\n    app: web\nspec:", with: "spec:")
        let applied = await apply(f, "web", smaller, manager: "kubectl")
        #expect(applied.status == 200)
        #expect(applied.json[path: "metadata", "labels"] == nil)
        #expect(applied.json[path: "spec", "template", "metadata", "labels"] == ["app": "web"])
    }

    /// Apply requests that are refused, and the status code.
    static let badApplies: [(String, String?, String, Int, String)] = [
        ("missing fieldManager", nil, yamlDeployment, 422, "fieldManager: Required value"),
        ("malformed YAML", "m", "apiVersion: apps/v1\nkind: [Deployment\n", 400, "error decoding YAML"),
        ("malformed JSON", "m", #"{"apiVersion": "apps/v1", "kind":"#, 400, "error decoding YAML"),
        ("not an object", "m", "- a\n- b\n", 400, "must be an object"),
        ("wrong kind", "m", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n", 400, "does not match"),
        ("managedFields set", "m", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  managedFields: []\n", 400, "metadata.managedFields must be nil"),
        ("name mismatch", "m", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n", 400, "does not match the name"),
    ]

    @Test(arguments: badApplies)
    func badApplyIsRefusedAndNothingStored(_ name: String, _ manager: String?, _ body: String, _ code: Int, _ message: String) async throws {
        let f = try await RESTFixture()
        let reply = await apply(f, "web", body, manager: manager)
        #expect(reply.status == code, "\(name)")
        #expect(reply.message.contains(message), "\(name): \(reply.message)")
        #expect(reply.json["kind"] == "Status")
        #expect((await f.send(.get, deployments + "/web")).status == 404)
    }

    @Test func forceOnANonApplyPatchIsRefused() async throws {
        let f = try await RESTFixture()
        _ = await f.send(.post, deployments, body: RESTFixture.deployment("p"))
        let reply = await f.send(.patch, deployments + "/p", query: [("force", "true")], raw: Array("{}".utf8), contentType: "application/merge-patch+json")
        #expect(reply.status == 422)
        #expect(reply.message == #"PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch"#)
    }

    @Test func applyToAConfigMapWithoutChangesKeepsTheObject() async throws {
        let f = try await RESTFixture()
        let path = "/api/v1/namespaces/default/configmaps/c"
        let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: v\n"
        let first = await apply(f, "c", body, manager: "m", path: path)
        #expect(first.status == 201)
        let second = await apply(f, "c", body, manager: "m", path: path)
        #expect(second.status == 200)
        #expect(second.json[path: "metadata", "resourceVersion"] == first.json[path: "metadata", "resourceVersion"])
    }
}
