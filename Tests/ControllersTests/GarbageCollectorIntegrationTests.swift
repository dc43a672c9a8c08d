import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Garbage collector against an API server", .timeLimit(.minutes(2)))
struct GarbageCollectorIntegrationTests {
    static func dependent(_ name: String, owners: [CoreV1.ConfigMap], block: Bool = true) -> CoreV1.ConfigMap {
        CoreV1.ConfigMap(metadata: MetaV1.ObjectMeta(name: name, namespace: "default", ownerReferences: owners.map {
            MetaV1.OwnerReference(apiVersion: "v1", blockOwnerDeletion: block, controller: false, kind: "ConfigMap", name: $0.metadata.name, uid: $0.metadata.uid)
        }))
    }

    /// Creates a dependent of a missing owner and waits for the collector to delete it: the
    /// collector has then seen every ConfigMap created before.
    static func waitUntilCollectorCaughtUp(_ maps: ResourceClient<CoreV1.ConfigMap>) async throws {
        var ghost = CoreV1.ConfigMap(metadata: .init(name: "ghost-owner", namespace: "default"))
        ghost.metadata.uid = "00000000-0000-0000-0000-0000000000ff"
        _ = try await maps.create(Self.dependent("probe", owners: [ghost]))
        try await eventually("probe collected") { await isGone(maps, "probe", namespace: "default") }
    }

    @Test func backgroundDeletionRemovesDependentsOfGoneOwners() async throws {
        try await withControllers({ [GarbageCollectorController(context: $0)] }) { _, client in
            let maps = client.resource(CoreV1.ConfigMap.self)
            let owner = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "owner", namespace: "default")))
            let other = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "other", namespace: "default")))
            _ = try await maps.create(Self.dependent("child", owners: [owner]))
            _ = try await maps.create(Self.dependent("shared", owners: [owner, other]))
            // A dependent of an owner that never existed.
            var ghost = CoreV1.ConfigMap(metadata: .init(name: "ghost-owner", namespace: "default"))
            ghost.metadata.uid = "00000000-0000-0000-0000-000000000001"
            _ = try await maps.create(Self.dependent("orphaned", owners: [ghost]))
            try await eventually("dependent of a missing owner deleted") { await isGone(maps, "orphaned", namespace: "default") }
            #expect(try await maps.get("child", namespace: "default").metadata.name == "child")

            try await maps.delete("owner", namespace: "default")
            try await eventually("child deleted") { await isGone(maps, "child", namespace: "default") }
            try await eventually("shared keeps only the living owner") {
                try await maps.get("shared", namespace: "default").metadata.ownerReferences?.map(\.uid) == [other.metadata.uid]
            }
        }
    }

    @Test func foregroundDeletionDeletesDependentsFirst() async throws {
        try await withControllers({ [GarbageCollectorController(context: $0)] }) { _, client in
            let maps = client.resource(CoreV1.ConfigMap.self)
            let owner = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "owner", namespace: "default")))
            _ = try await maps.create(Self.dependent("child", owners: [owner]))
            try await Self.waitUntilCollectorCaughtUp(maps)
            let marked = try await maps.delete("owner", namespace: "default", options: DeleteOptions(propagationPolicy: .foreground))
            #expect(marked?.metadata.finalizers == ["foregroundDeletion"])
            try await eventually("child deleted") { await isGone(maps, "child", namespace: "default") }
            try await eventually("owner deleted after its dependents") { await isGone(maps, "owner", namespace: "default") }
        }
    }

    @Test func orphanDeletionReleasesDependents() async throws {
        try await withControllers({ [GarbageCollectorController(context: $0)] }) { _, client in
            let maps = client.resource(CoreV1.ConfigMap.self)
            let owner = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "owner", namespace: "default")))
            _ = try await maps.create(Self.dependent("child", owners: [owner]))
            try await Self.waitUntilCollectorCaughtUp(maps)
            try await maps.delete("owner", namespace: "default", options: DeleteOptions(propagationPolicy: .orphan))
            try await eventually("owner deleted") { await isGone(maps, "owner", namespace: "default") }
            let child = try await maps.get("child", namespace: "default")
            #expect((child.metadata.ownerReferences ?? []).isEmpty)
        }
    }
}
