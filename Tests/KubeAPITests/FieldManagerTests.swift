import Foundation
import Testing
@testable import KubeAPI

/// Managed fields bookkeeping and server-side apply merges (``FieldManager``).
@Suite struct FieldManagerTests {
    static func json(_ text: String) -> JSONValue { try! JSONValue(parsing: text) }
    static func text(_ value: JSONValue) -> String { String(decoding: value.serialized(escapingHTML: false), as: UTF8.self) }

    let deployments = FieldManager(
        schema: .kubernetes, root: MergeSchema.kubernetes.roots[GroupVersionKind(group: "apps", version: "v1", kind: "Deployment")],
        apiVersion: "apps/v1", scope: .mainResource)
    let replicas: FieldPath = [.field("spec"), .field("replicas")]

    static let base = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":1,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:1"}]}}}}"#

    func entry(_ entries: [ManagedFieldsEntry], _ manager: String, _ operation: ManagedFieldsEntry.Operation) -> ManagedFieldsEntry? {
        entries.first { $0.manager == manager && $0.operation == operation }
    }

    @Test func createRecordsEverythingButIdentityAndStatus() throws {
        var object = Self.json(Self.base)
        object.setMember("status", ["replicas": 3])
        let entries = deployments.update(live: nil, new: object, managed: [], manager: "kubectl-create", now: "2026-01-01T00:00:00Z")
        let created = try #require(entries.first)
        #expect(entries.count == 1)
        #expect(created.operation == .update && created.apiVersion == "apps/v1" && created.time == "2026-01-01T00:00:00Z")
        #expect(created.fields.contains(replicas))
        #expect(!created.fields.touches([.field("status")]))
        #expect(!created.fields.touches([.field("metadata"), .field("name")]))
        #expect(!created.fields.contains([.field("apiVersion")]))
        #expect(Self.text(created.json).hasPrefix(#"{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"#))
    }

    @Test func updateMovesChangedFieldsToTheWriter() throws {
        let live = Self.json(Self.base)
        let created = deployments.update(live: nil, new: live, managed: [], manager: "creator", now: "t1")
        var scaled = live
        var spec = scaled["spec"]!
        spec.setMember("replicas", 5)
        scaled.setMember("spec", spec)
        let entries = deployments.update(live: live, new: scaled, managed: created, manager: "scaler", now: "t2")
        #expect(entry(entries, "scaler", .update)?.fields == FieldSet(paths: [replicas]))
        #expect(entry(entries, "creator", .update)?.fields.contains(replicas) == false)
        #expect(entry(entries, "creator", .update)?.time == "t1")
        // The same manager writing again merges into its entry.
        var again = scaled
        var spec2 = again["spec"]!
        spec2.setMember("paused", true)
        again.setMember("spec", spec2)
        let merged = deployments.update(live: scaled, new: again, managed: entries, manager: "scaler", now: "t3")
        #expect(merged.filter { $0.manager == "scaler" }.count == 1)
        #expect(entry(merged, "scaler", .update)?.fields == FieldSet(paths: [replicas, [.field("spec"), .field("paused")]]))
        #expect(entry(merged, "scaler", .update)?.time == "t3")
        // A write that changes nothing touches no entry.
        #expect(deployments.update(live: again, new: again, managed: merged, manager: "other", now: "t4") == merged)
    }

    @Test func removedFieldsLeaveEveryOwnerAndEmptyEntriesDisappear() {
        let live = Self.json(#"{"spec":{"replicas":1,"paused":true}}"#)
        let owners = [
            ManagedFieldsEntry(manager: "a", operation: .update, apiVersion: "apps/v1", fields: FieldSet(paths: [[.field("spec"), .field("paused")]])),
            ManagedFieldsEntry(manager: "b", operation: .update, apiVersion: "apps/v1", fields: FieldSet(paths: [replicas])),
        ]
        let entries = deployments.update(live: live, new: Self.json(#"{"spec":{"replicas":1}}"#), managed: owners, manager: "c", now: "t")
        #expect(entries.map(\.manager) == ["b"])
    }

    @Test func statusWritesOwnOnlyStatus() {
        let status = FieldManager(schema: deployments.schema, root: deployments.root, apiVersion: "apps/v1", scope: .statusSubresource)
        let live = Self.json(Self.base)
        var new = live
        new.setMember("status", ["replicas": 1])
        new.setMember("spec", ["replicas": 9])
        let entries = status.update(live: live, new: new, managed: [], manager: "controller", now: "t")
        #expect(entries.count == 1)
        #expect(entries[0].subresource == "status")
        #expect(entries[0].fields == FieldSet(paths: [[.field("status"), .field("replicas")]]))
        #expect(Self.text(entries[0].json).hasSuffix(#","subresource":"status"}"#))
    }

    // MARK: - Apply

    func apply(_ config: String, to live: JSONValue?, managed: [ManagedFieldsEntry], as manager: String, force: Bool = false) throws(ApplyConflictError) -> (object: JSONValue, managed: [ManagedFieldsEntry]) {
        try deployments.apply(live: live, config: Self.json(config), managed: managed, manager: manager, force: force, now: "now")
    }

    @Test func applyCreatesAndOwnsExactlyTheConfiguration() throws {
        let (object, entries) = try apply(Self.base, to: nil, managed: [], as: "kubectl")
        #expect(object == Self.json(Self.base))
        let mine = try #require(entry(entries, "kubectl", .apply))
        #expect(entries.count == 1)
        #expect(mine.fields == deployments.ownable(MergeSchema.kubernetes.fieldSet(of: Self.json(Self.base), root: deployments.root)))
        #expect(Self.text(mine.json).hasPrefix(#"{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"now","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#))
    }

    @Test func applyMergesListMapsByKeyAndKeepsOthersItems() throws {
        let (live, entries) = try apply(Self.base, to: nil, managed: [], as: "kubectl")
        // Another manager adds a sidecar container through an update.
        var withSidecar = live
        var containers = live[path: "spec", "template", "spec", "containers"]!.arrayValue!
        containers.append(["name": "sidecar", "image": "busybox"])
        withSidecar = Self.setting(withSidecar, ["spec", "template", "spec", "containers"], .array(containers))
        let afterUpdate = deployments.update(live: live, new: withSidecar, managed: entries, manager: "editor", now: "t")
        // The applier changes its container's image: the sidecar stays, in place.
        let config = Self.base.replacingOccurrences(of: "nginx:1", with: "nginx:2")
        let (object, managed) = try apply(config, to: withSidecar, managed: afterUpdate, as: "kubectl")
        let result = object[path: "spec", "template", "spec", "containers"]!.arrayValue!
        #expect(result.map { $0["name"]!.stringValue! } == ["app", "sidecar"])
        #expect(result[0]["image"] == "nginx:2")
        #expect(entry(managed, "editor", .update)?.fields.touches([.field("spec"), .field("template"), .field("spec"), .field("containers"), .key(["name": "sidecar"])]) == true)
    }

    @Test func fieldsNoLongerAppliedAreRemovedUnlessOthersOwnThem() throws {
        let first = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web","tier":"x"}},"spec":{"replicas":2,"paused":true,"template":{"spec":{"containers":[{"name":"app","image":"a"},{"name":"old","image":"b"}]}}}}"#
        let (live, entries) = try apply(first, to: nil, managed: [], as: "kubectl")
        // Someone else also sets `paused` (same value) through an apply: shared ownership.
        let (shared, sharedEntries) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"paused":true}}"#, to: live, managed: entries, as: "other")
        let second = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"template":{"spec":{"containers":[{"name":"app","image":"a"}]}}}}"#
        let (object, managed) = try apply(second, to: shared, managed: sharedEntries, as: "kubectl")
        #expect(object[path: "metadata", "labels"] == ["app": "web"])
        #expect(object[path: "spec", "replicas"] == nil)
        #expect(object[path: "spec", "paused"] == true)
        #expect(object[path: "spec", "template", "spec", "containers"]?.arrayValue?.count == 1)
        #expect(entry(managed, "kubectl", .apply)?.fields.contains(replicas) == false)
        #expect(entry(managed, "other", .apply)?.fields.contains([.field("spec"), .field("paused")]) == true)
    }

    @Test func droppingASelfMarkerKeepsTheOwnedContents() throws {
        // kubectl's client-side to server-side upgrade leaves "." members (labels, the
        // containers list) that the next apply names only through their contents.
        let last = try FieldSet(fieldsV1: Self.json(#"{"f:metadata":{"f:annotations":{".":{},"f:x":{}},"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{".":{},"k:{\"name\":\"app\"}":{".":{},"f:image":{},"f:name":{}}}}}}}"#))
        let lastApplied = try FieldSet(fieldsV1: Self.json(#"{"f:metadata":{"f:annotations":{"f:x":{}}}}"#))
        var live = Self.json(Self.base)
        live = Self.setting(live, ["metadata", "annotations"], ["x": "y"])
        let managed = [
            ManagedFieldsEntry(manager: "kubectl", operation: .apply, apiVersion: "apps/v1", time: "t", fields: last),
            ManagedFieldsEntry(manager: "kubectl-last-applied", operation: .apply, apiVersion: "apps/v1", time: "t", fields: lastApplied),
        ]
        let (object, entries) = try apply(Self.base, to: live, managed: managed, as: "kubectl")
        #expect(object == live)
        #expect(entries.count == 2)
        #expect(entry(entries, "kubectl", .apply)?.fields.touches([.field("metadata"), .field("annotations")]) == false)
    }

    @Test func emptiedParentsAreRemoved() throws {
        let (live, entries) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","annotations":{"a":"1"}}}"#, to: nil, managed: [], as: "m")
        let (object, managed) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"}}"#, to: live, managed: entries, as: "m")
        #expect(object[path: "metadata", "annotations"] == nil)
        #expect(managed.isEmpty)
    }

    @Test func setsAndAtomicLists() throws {
        let (live, entries) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","finalizers":["a"]},"spec":{"template":{"spec":{"containers":[{"name":"c","args":["1","2"]}]}}}}"#, to: nil, managed: [], as: "one")
        let (object, _) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w","finalizers":["b"]}}"#, to: live, managed: entries, as: "two")
        #expect(object[path: "metadata", "finalizers"] == ["a", "b"])
        // An atomic list is replaced whole, and changing it conflicts with its owner.
        #expect(throws: ApplyConflictError.self) {
            _ = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"},"spec":{"template":{"spec":{"containers":[{"name":"c","args":["3"]}]}}}}"#, to: live, managed: entries, as: "two")
        }
        let (forced, forcedEntries) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w"},"spec":{"template":{"spec":{"containers":[{"name":"c","args":["3"]}]}}}}"#, to: live, managed: entries, as: "two", force: true)
        #expect(forced[path: "spec", "template", "spec", "containers"]?[0]?["args"] == ["3"])
        let argsPath: FieldPath = [.field("spec"), .field("template"), .field("spec"), .field("containers"), .key(["name": "c"]), .field("args")]
        #expect(entry(forcedEntries, "one", .apply)?.fields.contains(argsPath) == false)
        #expect(entry(forcedEntries, "two", .apply)?.fields.contains(argsPath) == true)
    }

    @Test func conflictMessageAndForce() throws {
        let live = Self.json(Self.base)
        let created = deployments.update(live: nil, new: live, managed: [], manager: "kubectl-client-side-apply", now: "t")
        let config = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}}"#
        do {
            _ = try apply(config, to: live, managed: created, as: "other")
            Issue.record("expected a conflict")
        } catch {
            #expect(error.description == #"Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas"#)
            let status = error.status
            #expect(status.code == 409 && status.reason == .conflict)
            #expect(status.details?.causes == [.init(reason: "FieldManagerConflict", message: #"conflict with "kubectl-client-side-apply" using apps/v1"#, field: ".spec.replicas")])
        }
        // Applying the live value is no conflict: ownership is shared.
        let same = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1}}"#
        let (_, shared) = try apply(same, to: live, managed: created, as: "other")
        #expect(entry(shared, "kubectl-client-side-apply", .update)?.fields.contains(replicas) == true)
        #expect(entry(shared, "other", .apply)?.fields.contains(replicas) == true)
        // Forced, the field moves.
        let (object, forced) = try apply(config, to: live, managed: created, as: "other", force: true)
        #expect(object[path: "spec", "replicas"] == 3)
        #expect(entry(forced, "kubectl-client-side-apply", .update)?.fields.contains(replicas) == false)
        #expect(entry(forced, "other", .apply)?.fields.contains(replicas) == true)
    }

    @Test func severalConflictsAreListedPerManager() {
        let live = Self.json(#"{"spec":{"replicas":1,"paused":false,"minReadySeconds":1}}"#)
        let managed = [
            ManagedFieldsEntry(manager: "b", operation: .apply, apiVersion: "apps/v1", fields: FieldSet(paths: [replicas, [.field("spec"), .field("paused")]])),
            ManagedFieldsEntry(manager: "a", operation: .update, apiVersion: "apps/v1", fields: FieldSet(paths: [[.field("spec"), .field("minReadySeconds")]])),
        ]
        #expect {
            _ = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2,"paused":true,"minReadySeconds":2}}"#, to: live, managed: managed, as: "c")
        } throws: { error in
            (error as? ApplyConflictError)?.description == """
                Apply failed with 3 conflicts: conflicts with "a" using apps/v1:
                - .spec.minReadySeconds
                conflicts with "b":
                - .spec.paused
                - .spec.replicas
                """
        }
    }

    @Test func nullInConfigurationRemovesTheField() throws {
        let (live, entries) = try apply(Self.base, to: nil, managed: [], as: "m")
        let (object, _) = try apply(#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":null}}"#, to: live, managed: entries, as: "m", force: true)
        #expect(object[path: "spec", "replicas"] == nil)
    }

    @Test func reapplyingTheSameConfigurationChangesNothing() throws {
        let (live, entries) = try apply(Self.base, to: nil, managed: [], as: "m")
        let again = try deployments.apply(live: live, config: Self.json(Self.base), managed: entries, manager: "m", force: false, now: "later")
        #expect(again.object == live)
        #expect(again.managed == entries)
    }

    // MARK: - Entries

    @Test func entriesSortAppliersFirstThenByTime() {
        let entries = [
            ManagedFieldsEntry(manager: "z", operation: .update, apiVersion: "v1", time: "2026-01-01T00:00:02Z"),
            ManagedFieldsEntry(manager: "y", operation: .update, apiVersion: "v1", time: "2026-01-01T00:00:01Z"),
            ManagedFieldsEntry(manager: "x", operation: .apply, apiVersion: "v1", time: "2026-01-01T00:00:03Z"),
        ]
        #expect(ManagedFieldsEntry.sorted(entries).map(\.manager) == ["x", "y", "z"])
    }

    /// `managedFields` lists that are refused, and the field named.
    static let badLists: [(String, String)] = [
        (#"{}"#, "metadata.managedFields"),
        (#"[1]"#, "metadata.managedFields[0]"),
        (#"[{"manager":"m","operation":"Patch","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}}}]"#, "metadata.managedFields[0].operation"),
        (#"[{"manager":"m","operation":"Update","fieldsType":"FieldsV2","fieldsV1":{"f:a":{}}}]"#, "metadata.managedFields[0].fieldsType"),
        (#"[{"manager":"m","operation":"Update","fieldsType":"FieldsV1","fieldsV1":{"f:a":{}}},{"manager":"n","operation":"Update","fieldsV1":{"garbage":{}}}]"#, "metadata.managedFields[1].fieldsV1"),
    ]

    @Test(arguments: badLists)
    func badManagedFieldsAreRefused(_ list: String, _ field: String) {
        #expect {
            _ = try ManagedFieldsEntry.decode(Self.json(list))
        } throws: { error in
            guard case .invalidEntry(let named, _, _)? = error as? FieldManagementError else { return false }
            return named == field
        }
    }

    @Test func emptyEntriesAreDroppedSoOneEmptyEntryClears() throws {
        #expect(try ManagedFieldsEntry.decode(Self.json(#"[{}]"#)).isEmpty)
        let decoded = try ManagedFieldsEntry.decode(Self.json(#"[{"manager":"m","operation":"Apply","apiVersion":"v1","time":"t","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:x":{}}},"subresource":"status"}]"#))
        #expect(decoded == [ManagedFieldsEntry(manager: "m", operation: .apply, apiVersion: "v1", time: "t", fields: FieldSet(paths: [[.field("spec"), .field("x")]]), subresource: "status")])
        #expect(ManagedFieldsEntry.encode(decoded) == .array(decoded.map(\.json)))
    }

    static func setting(_ object: JSONValue, _ path: [String], _ value: JSONValue) -> JSONValue {
        guard let first = path.first else { return value }
        var out = object
        out.setMember(first, setting(object[first] ?? .object([:]), Array(path.dropFirst()), value))
        return out
    }
}

extension JSONValue {
    mutating func setMember(_ key: String, _ value: JSONValue?) {
        guard case .object(var members) = self else { return }
        members[key] = value
        self = .object(members)
    }
}
