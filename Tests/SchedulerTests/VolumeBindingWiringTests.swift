import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Scheduler

@Suite("Scheduler volume binding against an API server", .serialized, .timeLimit(.minutes(3)))
struct VolumeBindingWiringTests {
    typealias F = VolumeFixtures

    func withScheduler(
        volumeBindTimeout: Duration = .seconds(600), maxConcurrentBinds: Int = 16, _ body: @Sendable (KubeClient) async throws -> Void
    ) async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let logger = Logger(label: "scheduler-test", factory: { _ in SwiftLogNoOpLogHandler() })
            let informers = InformerFactory(client: client, logger: logger)
            let scheduler = Scheduler(client: client, informers: informers, logger: logger, maxConcurrentBinds: maxConcurrentBinds,
                                      volumeBindTimeout: volumeBindTimeout)
            let informerTask = Task { await informers.run() }
            let schedulerTask = Task { try await scheduler.run() }
            defer {
                schedulerTask.cancel()
                informerTask.cancel()
            }
            let nodes = client.resource(CoreV1.Node.self)
            for name in ["node-a", "node-b"] {
                var node = try await nodes.create(Fixtures.node(name))
                node.status = Fixtures.node(name).status
                _ = try await nodes.updateStatus(node)
            }
            try await body(client)
            schedulerTask.cancel()
            informerTask.cancel()
            _ = await schedulerTask.result
        }
    }

    func failedScheduling(_ client: KubeClient, _ pod: String) async throws -> [String] {
        try await client.resource(CoreV1.Event.self).list(namespace: "default").items
            .filter { $0.reason == "FailedScheduling" && $0.involvedObject?.name == pod }.compactMap(\.message)
    }

    func newClaim(_ name: String) -> CoreV1.PersistentVolumeClaim {
        var claim = F.claim(name)
        claim.metadata.uid = nil
        claim.status = nil
        return claim
    }

    @Test func missingClaimIsReportedAndItsCreationRetriesThePod() async throws {
        try await withScheduler { client in
            _ = try await client.resource(StorageV1.StorageClass.self).create(F.storageClass("local-path"))
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(F.pod("web", claims: ["data"]), namespace: "default")
            let message = try await eventually("FailedScheduling") { try await failedScheduling(client, "web").first }
            #expect(message == "0/2 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
            let condition = try await pods.get("web", namespace: "default").status?.conditions?.first { $0.type == "PodScheduled" }
            #expect(condition?.status == "False" && condition?.reason == "Unschedulable")

            // The claim appears: the pod is tried again and its claim gets the chosen node.
            let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
            _ = try await claims.create(newClaim("data"), namespace: "default")
            let node = try await eventually("selected node") { try await claims.get("data", namespace: "default").selectedNode }
            #expect(["node-a", "node-b"].contains(node))
        }
    }

    @Test func podIsBoundOnlyOnceItsWaitingClaimIsBound() async throws {
        try await withScheduler { client in
            _ = try await client.resource(StorageV1.StorageClass.self).create(F.storageClass("local-path"))
            let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
            _ = try await claims.create(newClaim("data"), namespace: "default")
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(F.pod("web", claims: ["data"]), namespace: "default")
            let node = try await eventually("selected node") { try await claims.get("data", namespace: "default").selectedNode }
            #expect(try await pods.get("web", namespace: "default").spec?.nodeName == nil)

            // Play the binder: a volume on that node, bound to the claim.
            let claim = try await claims.get("data", namespace: "default")
            var volume = F.volume("pv-data", node: node, className: "local-path")
            volume.spec?.claimRef = CoreV1.ObjectReference(name: "data", namespace: "default", uid: claim.metadata.uid)
            _ = try await client.resource(CoreV1.PersistentVolume.self).create(volume)
            var bound = claim
            bound.spec?.volumeName = "pv-data"
            bound = try await claims.update(bound)
            bound.status = CoreV1.PersistentVolumeClaimStatus(phase: "Bound")
            _ = try await claims.updateStatus(bound)

            let placed = try await eventually("pod bound") { try await pods.get("web", namespace: "default").spec?.nodeName }
            #expect(placed == node)

            // A second pod of the same claim follows the volume to its node.
            _ = try await pods.create(F.pod("web-2", claims: ["data"]), namespace: "default")
            let second = try await eventually("second pod bound") { try await pods.get("web-2", namespace: "default").spec?.nodeName }
            #expect(second == node)
        }
    }

    @Test func podsWaitingForVolumesHoldNoBindingSlot() async throws {
        try await withScheduler(maxConcurrentBinds: 1) { client in
            _ = try await client.resource(StorageV1.StorageClass.self).create(F.storageClass("local-path"))
            let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
            let pods = client.resource(CoreV1.Pod.self)
            for name in ["a", "b"] {
                _ = try await claims.create(newClaim("data-" + name), namespace: "default")
                _ = try await pods.create(F.pod("waits-" + name, claims: ["data-" + name]), namespace: "default")
            }
            for name in ["a", "b"] {
                _ = try await eventually("claim \(name) selected") { try await claims.get("data-" + name, namespace: "default").selectedNode }
            }
            // Both wait for their volumes (nobody binds them); a pod without claims still goes.
            _ = try await pods.create(Fixtures.pod("plain"), namespace: "default")
            _ = try await eventually("plain pod bound") { try await pods.get("plain", namespace: "default").spec?.nodeName }
            #expect(try await pods.get("waits-a", namespace: "default").spec?.nodeName == nil)
        }
    }

    @Test func claimsNotBoundInTimeFailTheAttempt() async throws {
        try await withScheduler(volumeBindTimeout: .milliseconds(200)) { client in
            _ = try await client.resource(StorageV1.StorageClass.self).create(F.storageClass("local-path"))
            _ = try await client.resource(CoreV1.PersistentVolumeClaim.self).create(newClaim("data"), namespace: "default")
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(F.pod("web", claims: ["data"]), namespace: "default")
            let message = try await eventually("FailedScheduling") { try await failedScheduling(client, "web").first }
            #expect(message == "running PreBind plugin \"VolumeBinding\": binding volumes: timed out waiting for the condition")
            #expect(try await pods.get("web", namespace: "default").spec?.nodeName == nil)
        }
    }
}
