import APIServer
import ClusterTesting
@testable import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct StatefulSetPlanTests {
    static func set(replicas: Int, parallel: Bool = false, onDelete: Bool = false, partition: Int? = nil) -> AppsV1.StatefulSet {
        AppsV1.StatefulSet(
            metadata: MetaV1.ObjectMeta(name: "web", namespace: "default", uid: "set-uid"),
            spec: AppsV1.StatefulSetSpec(
                podManagementPolicy: parallel ? "Parallel" : "OrderedReady", replicas: replicas,
                updateStrategy: AppsV1.StatefulSetUpdateStrategy(
                    rollingUpdate: partition.map { AppsV1.RollingUpdateStatefulSetStrategy(partition: $0) },
                    type: onDelete ? "OnDelete" : "RollingUpdate")))
    }

    static func pod(_ ordinal: Int, phase: String? = "Running", ready: Bool = true, revision: String = "old") -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(labels: ["controller-revision-hash": revision], name: "web-\(ordinal)"),
            status: CoreV1.PodStatus(conditions: [CoreV1.PodCondition(status: ready ? "True" : "False", type: "Ready")], phase: phase))
    }

    static func plan(_ set: AppsV1.StatefulSet, _ pods: [CoreV1.Pod], update: String = "old") -> StatefulSetPlan {
        StatefulSetPlan(set: set, pods: pods, currentRevision: "old", updateRevision: update)
    }

    @Test func orderedReadyCreatesOneAtATimeAfterReadyPredecessors() {
        #expect(Self.plan(Self.set(replicas: 3), []).create.map(\.ordinal) == [0])
        #expect(Self.plan(Self.set(replicas: 3), [Self.pod(0)]).create.map(\.ordinal) == [1])
        #expect(Self.plan(Self.set(replicas: 3), [Self.pod(0, phase: "Pending", ready: false)]).create.isEmpty)
        #expect(Self.plan(Self.set(replicas: 3), [Self.pod(0, ready: false)]).create.isEmpty)
    }

    @Test func parallelCreatesAllAtOnce() {
        #expect(Self.plan(Self.set(replicas: 3, parallel: true), [Self.pod(1, ready: false)]).create.map(\.ordinal) == [0, 2])
    }

    @Test func scaleDownRemovesTheHighestOrdinalFirst() {
        let pods = [Self.pod(0), Self.pod(1), Self.pod(2)]
        #expect(Self.plan(Self.set(replicas: 1), pods).delete == ["web-2"])
        #expect(Self.plan(Self.set(replicas: 1, parallel: true), pods).delete == ["web-2", "web-1"])
        // Waits while a remaining pod is not ready.
        #expect(Self.plan(Self.set(replicas: 1), [Self.pod(0, ready: false), Self.pod(1), Self.pod(2)]).delete.isEmpty)
    }

    @Test func failedPodIsReplaced() {
        #expect(Self.plan(Self.set(replicas: 2), [Self.pod(0, phase: "Failed", ready: false), Self.pod(1)]).delete == ["web-0"])
    }

    @Test func rollingUpdateGoesDownToThePartition() {
        let set = Self.set(replicas: 3, partition: 1)
        #expect(Self.plan(set, [Self.pod(0), Self.pod(1), Self.pod(2)], update: "new").delete == ["web-2"])
        #expect(Self.plan(set, [Self.pod(0), Self.pod(1), Self.pod(2, revision: "new")], update: "new").delete == ["web-1"])
        // The updated pod must be ready before the next one goes.
        #expect(Self.plan(set, [Self.pod(0), Self.pod(1), Self.pod(2, ready: false, revision: "new")], update: "new").delete.isEmpty)
        // Below the partition nothing changes.
        #expect(Self.plan(set, [Self.pod(0), Self.pod(1, revision: "new"), Self.pod(2, revision: "new")], update: "new").delete.isEmpty)
        // A missing pod below the partition is recreated from the current revision, above it from the update.
        let created = Self.plan(Self.set(replicas: 3, parallel: true, partition: 1), [], update: "new").create
        #expect(created.map(\.updateRevision) == [false, true, true])
    }

    @Test func onDeleteLeavesPodsAlone() {
        #expect(Self.plan(Self.set(replicas: 2, onDelete: true), [Self.pod(0), Self.pod(1)], update: "new").delete.isEmpty)
    }

    @Test(arguments: [("web-0", 0), ("web-10", 10), ("web-01", nil), ("web-x", nil), ("webb-1", nil), ("web-", nil), ("web-1-2", nil)] as [(String, Int?)])
    func ordinals(name: String, ordinal: Int?) {
        #expect(StatefulSetPlan.ordinal(of: CoreV1.Pod(metadata: MetaV1.ObjectMeta(name: name)), set: "web") == ordinal)
    }

    @Test func revisionHashIsStableAndUsesTheSafeAlphabet() {
        let data: JSONValue = ["spec": ["template": ["metadata": ["labels": ["app": "web"]]]]]
        let hash = StatefulSetRevision.hash(data, collisionCount: 0)
        #expect(hash == StatefulSetRevision.hash(data, collisionCount: 0))
        #expect(hash != StatefulSetRevision.hash(data, collisionCount: 1))
        #expect(hash.allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
    }
}

@Suite struct StatefulSetControllerTests {
    static func markReady(_ client: KubeClient, _ name: String) async throws {
        try await BatchHarness.setPhase(client, pod: name, phase: "Running", ready: true)
    }

    static func statefulSet(image: String) -> AppsV1.StatefulSet {
        AppsV1.StatefulSet(
            metadata: MetaV1.ObjectMeta(name: "web", namespace: "default"),
            spec: AppsV1.StatefulSetSpec(
                replicas: 3, selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]), serviceName: "nginx",
                template: CoreV1.PodTemplateSpec(
                    metadata: MetaV1.ObjectMeta(labels: ["app": "web"]),
                    spec: CoreV1.PodSpec(containers: [CoreV1.Container(
                        image: image, name: "nginx")])),
                volumeClaimTemplates: [CoreV1.PersistentVolumeClaim(
                    metadata: MetaV1.ObjectMeta(name: "www"),
                    spec: CoreV1.PersistentVolumeClaimSpec(
                        accessModes: ["ReadWriteOnce"],
                        resources: CoreV1.VolumeResourceRequirements(requests: ["storage": "1Gi"])))]))
    }

    @Test func podsComeUpInOrderAndRollOut() async throws {
        try await BatchHarness.run(controllers: { [StatefulSetController(context: $0)] }) { _, client in
            let pods = client.resource(CoreV1.Pod.self)
            let sets = client.resource(AppsV1.StatefulSet.self)
            _ = try await sets.create(Self.statefulSet(image: "nginx:1"))
            for ordinal in 0..<3 {
                let pod = try await eventually("web-\(ordinal)") {
                    try? await pods.get("web-\(ordinal)", namespace: "default")
                }
                // The next ordinal does not exist before this one is ready.
                #expect((try? await pods.get("web-\(ordinal + 1)", namespace: "default")) == nil)
                #expect(pod.spec?.hostname == "web-\(ordinal)")
                #expect(pod.spec?.subdomain == "nginx")
                #expect(pod.metadata.labels?["statefulset.kubernetes.io/pod-name"] == "web-\(ordinal)")
                #expect(pod.metadata.labels?["apps.kubernetes.io/pod-index"] == "\(ordinal)")
                #expect(pod.metadata.labels?["controller-revision-hash"]?.hasPrefix("web-") == true)
                #expect(pod.spec?.volumes?.first { $0.name == "www" }?.persistentVolumeClaim?.claimName == "www-web-\(ordinal)")
                let claim = try await client.resource(CoreV1.PersistentVolumeClaim.self).get("www-web-\(ordinal)", namespace: "default")
                #expect(claim.metadata.labels?["app"] == "web")
                try await Self.markReady(client, "web-\(ordinal)")
            }
            let ready = try await eventually("3 ready") {
                let set = try await sets.get("web", namespace: "default")
                return set.status?.readyReplicas == 3 ? set : nil
            }
            #expect(ready.status?.currentRevision == ready.status?.updateRevision)
            #expect(ready.status?.observedGeneration == ready.metadata.generation)
            let firstRevision = try #require(ready.status?.updateRevision)

            // Roll out a new image: highest ordinal first.
            var changed = ready
            changed.spec?.template?.spec?.containers?[0].image = "nginx:2"
            _ = try await sets.update(changed)
            for ordinal in [2, 1, 0] {
                let pod = try await eventually("web-\(ordinal) updated") { () -> CoreV1.Pod? in
                    guard let pod = try? await pods.get("web-\(ordinal)", namespace: "default") else { return nil }
                    return pod.spec?.containers?.first?.image == "nginx:2" ? pod : nil
                }
                #expect(pod.metadata.labels?["controller-revision-hash"] != firstRevision)
                try await Self.markReady(client, "web-\(ordinal)")
            }
            let rolled = try await eventually("rolled out") {
                let set = try await sets.get("web", namespace: "default")
                return set.status?.updatedReplicas == 3 && set.status?.currentRevision == set.status?.updateRevision
                    && set.status?.readyReplicas == 3 ? set : nil
            }
            #expect(rolled.status?.currentRevision != firstRevision)
            let revisions = try await client.resource(AppsV1.ControllerRevision.self).list(namespace: "default").items
            #expect(revisions.count == 2)
            let events = try await BatchHarness.events(client, involving: "web")
            #expect(events.contains { $0.reason == "SuccessfulCreate" && $0.message == "create Pod web-0 in StatefulSet web successful" })

            // Scale down: highest ordinal goes.
            var smaller = try await sets.get("web", namespace: "default")
            smaller.spec?.replicas = 1
            _ = try await sets.update(smaller)
            try await eventually("scaled down") { () -> Void? in
                let names = try await pods.list(namespace: "default").items.compactMap(\.metadata.name)
                return names == ["web-0"] ? () : nil
            }
        }
    }
}
