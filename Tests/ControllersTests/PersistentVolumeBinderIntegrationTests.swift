import ClusterTesting
import Controllers
import KubeAPI
import KubeClient
import Testing

@Suite("Persistent volume binder against an API server", .timeLimit(.minutes(2)))
struct PersistentVolumeBinderIntegrationTests {
    typealias F = StorageFixtures

    func withBinder(_ body: @Sendable (KubeClient) async throws -> Void) async throws {
        try await withControllers(options: ControllerOptions(localStoragePath: "/data/storage"), {
            [PersistentVolumeBinderController(context: $0), ClaimProtectionController(context: $0)]
        }) { _, client in
            try await body(client)
        }
    }

    func events(_ client: KubeClient, about name: String, reason: String) async throws -> [CoreV1.Event] {
        try await client.resource(CoreV1.Event.self).list(namespace: "default").items
            .filter { $0.involvedObject?.name == name && $0.reason == reason }
    }

    /// A claim to create in `default` (no UID or resource version yet).
    func newClaim(_ name: String, className: String?, size: String = "2Gi") -> CoreV1.PersistentVolumeClaim {
        var claim = F.claim(name, className: className, size: size, namespace: "default")
        claim.metadata.uid = nil
        claim.metadata.resourceVersion = nil
        return claim
    }

    func pod(_ name: String, claim: String) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: CoreV1.PodSpec(
                containers: [CoreV1.Container(image: "busybox", name: "main")],
                volumes: [CoreV1.Volume(name: "data", persistentVolumeClaim: CoreV1.PersistentVolumeClaimVolumeSource(claimName: claim))]))
    }

    @Test func localPathClaimWaitsForItsNodeThenIsProvisionedAndBound() async throws {
        try await withBinder { client in
            var storageClass = F.localPath
            storageClass.metadata.annotations = [VolumeBindingNames.defaultClass: "true"]
            _ = try await client.resource(StorageV1.StorageClass.self).create(storageClass)
            let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
            // No class named: the default class is filled in by admission.
            let created = try await claims.create(newClaim("data", className: nil), namespace: "default")
            #expect(created.spec?.storageClassName == "local-path")
            try await eventually("WaitForFirstConsumer event") {
                try await !events(client, about: "data", reason: "WaitForFirstConsumer").isEmpty
            }
            #expect(try await claims.get("data", namespace: "default").status?.phase == "Pending")
            #expect(try await client.resource(CoreV1.PersistentVolume.self).list().items.isEmpty)

            // The scheduler's choice arrives: a volume is made on that node and both sides bind.
            _ = try await claims.patch("data", namespace: "default", type: .merge,
                                       body: ["metadata": ["annotations": [VolumeBindingNames.selectedNode: "node-1"]]])
            let bound = try await eventually("claim bound") { () -> CoreV1.PersistentVolumeClaim? in
                let claim = try await claims.get("data", namespace: "default")
                return claim.status?.phase == "Bound" ? claim : nil
            }
            let volumeName = "pvc-" + (created.metadata.uid ?? "")
            #expect(bound.spec?.volumeName == volumeName)
            #expect(bound.status?.capacity == ["storage": Quantity("2Gi")] && bound.status?.accessModes == ["ReadWriteOnce"])
            #expect(bound.metadata.annotations?[VolumeBindingNames.bindCompleted] == "yes")
            #expect(bound.metadata.annotations?[VolumeBindingNames.boundByController] == "yes")
            try await eventually("claim protected") {
                try await claims.get("data", namespace: "default").metadata.finalizers == [VolumeBindingNames.claimProtectionFinalizer]
            }
            let volume = try await eventually("volume bound") { () -> CoreV1.PersistentVolume? in
                let volume = try await client.resource(CoreV1.PersistentVolume.self).get(volumeName)
                return volume.status?.phase == "Bound" ? volume : nil
            }
            #expect(volume.spec?.hostPath?.path == "/data/storage/\(volumeName)_default_data")
            #expect(volume.pinnedNodeName == "node-1")
            #expect(volume.spec?.claimRef?.uid == created.metadata.uid)
            #expect(try await !events(client, about: "data", reason: "ProvisioningSucceeded").isEmpty)

            // A pod uses the claim: deleting the claim waits for the pod.
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(pod("user", claim: "data"), namespace: "default")
            _ = try await claims.delete("data", namespace: "default")
            let terminating = try await claims.get("data", namespace: "default")
            #expect(terminating.metadata.deletionTimestamp != nil)
            #expect(try await client.resource(CoreV1.PersistentVolume.self).get(volumeName).status?.phase == "Bound")
            _ = try await pods.delete("user", namespace: "default", options: DeleteOptions(gracePeriodSeconds: 0))
            try await eventually("claim removed") { await isGone(claims, "data", namespace: "default") }
            // The claim is gone: the volume is released for its node to reclaim.
            try await eventually("volume released") {
                try await client.resource(CoreV1.PersistentVolume.self).get(volumeName).status?.phase == "Released"
            }
        }
    }

    @Test func classlessClaimBindsToTheSmallestFittingVolumeAndReclaimFollowsThePolicy() async throws {
        try await withBinder { client in
            let volumes = client.resource(CoreV1.PersistentVolume.self)
            _ = try await volumes.create(F.volume("big", size: "10Gi"))
            _ = try await volumes.create(F.volume("fits", size: "3Gi", reclaim: "Delete"))
            try await eventually("volumes available") {
                try await volumes.list().items.allSatisfy { $0.status?.phase == "Available" }
            }
            let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
            _ = try await claims.create(newClaim("manual", className: ""), namespace: "default")
            try await eventually("bound to the smaller volume") {
                try await claims.get("manual", namespace: "default").status?.phase == "Bound"
            }
            #expect(try await claims.get("manual", namespace: "default").spec?.volumeName == "fits")
            let fits = try await volumes.get("fits")
            #expect(fits.status?.phase == "Bound" && fits.metadata.annotations?[VolumeBindingNames.boundByController] == "yes")
            #expect(try await volumes.get("big").status?.phase == "Available")

            // A hostPath volume cannot be deleted by the cluster: Delete ends in Failed.
            _ = try await claims.delete("manual", namespace: "default")
            let failed = try await eventually("volume failed") { () -> CoreV1.PersistentVolume? in
                let volume = try await volumes.get("fits")
                return volume.status?.phase == "Failed" ? volume : nil
            }
            #expect(failed.status?.message?.contains("no deletable volume plugin matched") == true)

            // Retain keeps a released volume.
            _ = try await claims.create(newClaim("keep", className: "", size: "5Gi"), namespace: "default")
            try await eventually("bound") { try await claims.get("keep", namespace: "default").spec?.volumeName == "big" }
            _ = try await claims.delete("keep", namespace: "default")
            try await eventually("released") { try await volumes.get("big").status?.phase == "Released" }
        }
    }

    @Test func claimNamingAVolumeBindsToIt() async throws {
        try await withBinder { client in
            _ = try await client.resource(CoreV1.PersistentVolume.self).create(F.volume("chosen", size: "1Gi"))
            var claim = newClaim("named", className: "", size: "1Gi")
            claim.spec?.volumeName = "chosen"
            let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
            _ = try await claims.create(claim, namespace: "default")
            let bound = try await eventually("bound") { () -> CoreV1.PersistentVolumeClaim? in
                let claim = try await claims.get("named", namespace: "default")
                return claim.status?.phase == "Bound" ? claim : nil
            }
            // The user chose the volume: not marked as the controller's choice.
            #expect(bound.metadata.annotations?[VolumeBindingNames.boundByController] == nil)
            #expect(try await client.resource(CoreV1.PersistentVolume.self).get("chosen").spec?.claimRef?.name == "named")
        }
    }
}
