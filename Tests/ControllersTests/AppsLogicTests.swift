@testable import Controllers
import Foundation
import KubeAPI
import Testing

@Suite("Rollout arithmetic")
struct RolloutMathTests {
    @Test(arguments: [
        (IntOrString?.none, IntOrString?.none, 10, 3, 2),
        ("25%", "25%", 4, 1, 1),
        ("25%", "25%", 1, 1, 0),
        (0, 0, 5, 0, 1),
        (1, "50%", 3, 1, 1),
        ("100%", 0, 4, 4, 0),
        ("bogus", 2, 4, 0, 2),
    ] as [(IntOrString?, IntOrString?, Int, Int, Int)])
    func fenceposts(surge: IntOrString?, unavailable: IntOrString?, desired: Int, wantSurge: Int, wantUnavailable: Int) {
        let result = RolloutMath.fenceposts(maxSurge: surge, maxUnavailable: unavailable, desired: desired)
        #expect(result.surge == wantSurge)
        #expect(result.unavailable == wantUnavailable)
    }

    @Test(arguments: [
        // desired, surge, all, new -> new replicas
        (3, 1, 3, 0, 1),
        (3, 1, 4, 1, 1),
        (3, 1, 2, 1, 3),
        (10, 3, 10, 0, 3),
        (3, 0, 0, 0, 3),
        (3, 5, 3, 2, 3),
    ])
    func newReplicaSetReplicas(desired: Int, surge: Int, all: Int, new: Int, want: Int) {
        #expect(RolloutMath.newReplicaSetReplicas(desired: desired, surge: surge, allReplicas: all, newReplicas: new) == want)
    }

    @Test func scaleDownKeepsAvailabilityFloorOldestFirst() {
        let old = [
            RolloutMath.ReplicaSetCounts(name: "newer", replicas: 2, available: 2, created: 20),
            RolloutMath.ReplicaSetCounts(name: "oldest", replicas: 2, available: 2, created: 10),
        ]
        // 4 old available + 1 new available, desired 4, maxUnavailable 1: floor 3, so 2 may go.
        let sizes = RolloutMath.scaleDownOld(old, totalAvailable: 5, desired: 4, maxUnavailable: 1)
        #expect(sizes == ["oldest": 0])
        #expect(RolloutMath.scaleDownOld(old, totalAvailable: 3, desired: 4, maxUnavailable: 1).isEmpty)
    }

    @Test func unhealthyOldPodsGoFirstWithinTheLimit() {
        let old = [
            RolloutMath.ReplicaSetCounts(name: "a", replicas: 3, available: 1, created: 1),
            RolloutMath.ReplicaSetCounts(name: "b", replicas: 2, available: 0, created: 2),
            RolloutMath.ReplicaSetCounts(name: "c", replicas: 2, available: 2, created: 0),
        ]
        let result = RolloutMath.cleanupUnhealthy(old, limit: 3)
        #expect(result.sizes == ["a": 1, "b": 1])
        #expect(result.removed == 3)
    }

    @Test func maxScaleDownCountsUnavailableNewPods() {
        #expect(RolloutMath.maxScaleDown(desired: 3, maxUnavailable: 0, allReplicas: 4, newReplicas: 1, newAvailable: 0) == 0)
        #expect(RolloutMath.maxScaleDown(desired: 3, maxUnavailable: 0, allReplicas: 4, newReplicas: 1, newAvailable: 1) == 1)
    }

    @Test func proportionalScalingSharesTheDifference() {
        let active = [
            RolloutMath.ReplicaSetCounts(name: "old", replicas: 6, created: 1, annotatedMaxReplicas: 12),
            RolloutMath.ReplicaSetCounts(name: "new", replicas: 6, created: 2, annotatedMaxReplicas: 12),
        ]
        #expect(RolloutMath.proportionalSizes(active, desired: 20, surge: 0, previousMaxReplicas: 12) == ["old": 10, "new": 10])
        // Scaling to zero empties every ReplicaSet.
        #expect(RolloutMath.proportionalSizes(active, desired: 0, surge: 0, previousMaxReplicas: 12) == ["old": 0, "new": 0])
        // Leftovers go to the largest.
        let uneven = [
            RolloutMath.ReplicaSetCounts(name: "big", replicas: 2, created: 1, annotatedMaxReplicas: 3),
            RolloutMath.ReplicaSetCounts(name: "small", replicas: 1, created: 2, annotatedMaxReplicas: 3),
        ]
        let sizes = RolloutMath.proportionalSizes(uneven, desired: 4, surge: 0, previousMaxReplicas: 3)
        #expect(sizes.values.reduce(0, +) == 4)
        #expect(sizes["big"] == 3)
    }
}

@Suite("Pod template hash")
struct PodTemplateHashTests {
    @Test func fnv1aKnownVectors() {
        #expect(PodTemplateHash.fnv1a([]) == 0x811c_9dc5)
        #expect(PodTemplateHash.fnv1a(Array("a".utf8)) == 0xe40c_292c)
        #expect(PodTemplateHash.fnv1a(Array("foobar".utf8)) == 0xbf9c_f968)
    }

    @Test func hashIsStableSafeAndSensitive() {
        let a = appsTemplate(["app": "web"])
        let b = appsTemplate(["app": "web"], image: "nginx:1.26")
        let hash = PodTemplateHash.compute(a, collisionCount: nil)
        #expect(hash == PodTemplateHash.compute(a, collisionCount: nil))
        #expect(hash != PodTemplateHash.compute(b, collisionCount: nil))
        #expect(hash != PodTemplateHash.compute(a, collisionCount: 1))
        #expect(PodTemplateHash.compute(a, collisionCount: 1) != PodTemplateHash.compute(a, collisionCount: 2))
        #expect(!hash.isEmpty && hash.utf8.allSatisfy { PodTemplateHash.alphabet.contains($0) })
        #expect(PodTemplateHash.safeEncode("0123456789") == "456789bcdf")
    }

    @Test func equalityIgnoresOnlyTheHashLabel() {
        let plain = appsTemplate(["app": "web"])
        let hashed = appsTemplate(["app": "web", "pod-template-hash": "abc"])
        #expect(PodTemplateHash.equalIgnoringHash(plain, hashed))
        #expect(!PodTemplateHash.equalIgnoringHash(plain, appsTemplate(["app": "web", "x": "y"])))
        #expect(!PodTemplateHash.equalIgnoringHash(plain, nil))
    }
}

@Suite("Pod ranking")
struct WorkloadPodsTests {
    static func pod(_ name: String, node: String? = nil, phase: String? = "Running", ready: Bool = true, created: Int64 = 0, restarts: Int = 0, readySince: Int64 = 0) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(creationTimestamp: Time(secondsSinceEpoch: created), name: name),
            spec: CoreV1.PodSpec(nodeName: node),
            status: CoreV1.PodStatus(
                conditions: [CoreV1.PodCondition(lastTransitionTime: Time(secondsSinceEpoch: readySince), status: ready ? "True" : "False", type: "Ready")],
                containerStatuses: [CoreV1.ContainerStatus(name: "main", restartCount: restarts)],
                phase: phase))
    }

    @Test func deletionPrefersUnscheduledPendingNotReadyNewer() {
        let pods = [
            Self.pod("ready-old", node: "n1", created: 1),
            Self.pod("unscheduled", node: nil, phase: "Pending", ready: false),
            Self.pod("pending", node: "n2", phase: "Pending", ready: false),
            Self.pod("not-ready", node: "n3", ready: false),
            Self.pod("ready-new", node: "n4", created: 5),
        ]
        let order = WorkloadPods.deletionOrder(pods, now: Date()).map { $0.metadata.name ?? "" }
        #expect(order == ["unscheduled", "pending", "not-ready", "ready-new", "ready-old"])
    }

    @Test func deletionPrefersCrowdedNodesAndRestarts() {
        let pods = [
            Self.pod("alone", node: "n1"),
            Self.pod("crowded-a", node: "n2", created: 1),
            Self.pod("crowded-b", node: "n2", created: 2),
            Self.pod("restarts", node: "n3", restarts: 4),
        ]
        let order = WorkloadPods.deletionOrder(pods, now: Date()).map { $0.metadata.name ?? "" }
        #expect(order == ["crowded-b", "crowded-a", "restarts", "alone"])
    }

    @Test func slowStartStopsAfterAFailingBatch() async {
        struct Boom: Error {}
        let (done, error) = await WorkloadPods.slowStart(count: 20) { index in
            if index == 5 { throw Boom() }
        }
        // Batches 1, 2, 4: the third batch (indexes 3...6) fails once; the rest never start.
        #expect(done == 6)
        #expect(error is Boom)
        let (all, none) = await WorkloadPods.slowStart(count: 9) { _ in }
        #expect(all == 9 && none == nil)
    }
}

@Suite("Replica status")
struct ReplicaStatusTests {
    @Test func statusCountsAndFailureCondition() {
        var rs = AppsV1.ReplicaSet(metadata: MetaV1.ObjectMeta(generation: 4, name: "web"), spec: AppsV1.ReplicaSetSpec(
            minReadySeconds: 0, replicas: 3, selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]),
            template: appsTemplate(["app": "web", "tier": "fe"])))
        var partial = WorkloadPodsTests.pod("b", ready: false)
        partial.metadata.labels = ["app": "web"]
        var full = WorkloadPodsTests.pod("a")
        full.metadata.labels = ["app": "web", "tier": "fe"]
        let failed = ReplicaManager<AppsV1.ReplicaSet>.computeStatus(owner: rs, pods: [full, partial], failure: ("FailedCreate", "quota"), now: Date())
        #expect(failed.replicas == 2 && failed.fullyLabeledReplicas == 1 && failed.readyReplicas == 1 && failed.availableReplicas == 1)
        #expect(failed.observedGeneration == 4)
        #expect(failed.conditions.map(\.type) == ["ReplicaFailure"])
        rs.replicaStatus = failed
        #expect(rs.status?.conditions?.first?.reason == "FailedCreate")
        let healed = ReplicaManager<AppsV1.ReplicaSet>.computeStatus(owner: rs, pods: [full], failure: nil, now: Date())
        #expect(healed.conditions.isEmpty)
    }

    @Test func replicationControllerSelectorIsAMap() throws {
        let rc = CoreV1.ReplicationController(metadata: MetaV1.ObjectMeta(name: "rc"), spec: CoreV1.ReplicationControllerSpec(selector: ["app": "x"]))
        #expect(try rc.podSelector().matches(["app": "x", "other": "y"]))
        #expect(try !CoreV1.ReplicationController(metadata: MetaV1.ObjectMeta(name: "none")).podSelector().matches(["app": "x"]))
        #expect(rc.desiredReplicas == 1)
    }
}

@Suite("Daemon placement")
struct DaemonPlacementTests {
    static func node(_ name: String, labels: [String: String] = [:], taints: [CoreV1.Taint] = []) -> CoreV1.Node {
        CoreV1.Node(metadata: MetaV1.ObjectMeta(labels: labels, name: name), spec: CoreV1.NodeSpec(taints: taints))
    }

    static func flags(_ template: CoreV1.PodTemplateSpec, _ node: CoreV1.Node) -> [Bool] {
        let result = DaemonPlacement.evaluate(template, node: node)
        return [result.shouldRun, result.shouldContinue]
    }

    @Test func taintsSelectorsAndAffinity() {
        var template = appsTemplate(["app": "agent"])
        #expect(Self.flags(template, Self.node("plain")) == [true, true])
        // Daemon tolerations cover cordoned and not-ready nodes.
        let cordoned = Self.node("c", taints: [CoreV1.Taint(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable")])
        #expect(Self.flags(template, cordoned) == [true, true])
        let notReady = Self.node("nr", taints: [CoreV1.Taint(effect: "NoExecute", key: "node.kubernetes.io/not-ready")])
        #expect(Self.flags(template, notReady) == [true, true])
        // A foreign NoSchedule taint stops new pods but keeps running ones; NoExecute evicts.
        let dedicated = Self.node("d", taints: [CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "db")])
        #expect(Self.flags(template, dedicated) == [false, true])
        let evicting = Self.node("e", taints: [CoreV1.Taint(effect: "NoExecute", key: "dedicated", value: "db")])
        #expect(Self.flags(template, evicting) == [false, false])
        template.spec?.tolerations = [CoreV1.Toleration(key: "dedicated", operator: "Equal", value: "db")]
        #expect(Self.flags(template, evicting) == [true, true])
        // Node selector and required node affinity.
        template.spec?.nodeSelector = ["disk": "ssd"]
        #expect(Self.flags(template, Self.node("hdd")) == [false, false])
        #expect(DaemonPlacement.evaluate(template, node: Self.node("ssd", labels: ["disk": "ssd"])).shouldRun)
        template.spec?.affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: CoreV1.NodeSelector(nodeSelectorTerms: [
            CoreV1.NodeSelectorTerm(matchExpressions: [CoreV1.NodeSelectorRequirement(key: "zone", operator: "In", values: ["a"])]),
        ])))
        #expect(!DaemonPlacement.evaluate(template, node: Self.node("ssd", labels: ["disk": "ssd", "zone": "b"])).shouldRun)
        #expect(DaemonPlacement.evaluate(template, node: Self.node("ssd", labels: ["disk": "ssd", "zone": "a"])).shouldRun)
    }

    @Test func pinnedTemplateNamesTheNode() {
        var template = appsTemplate(["app": "agent"])
        template.spec?.hostNetwork = true
        let pinned = DaemonPlacement.template(template, pinnedTo: "n7", revisionHash: "h1")
        var pod = CoreV1.Pod(metadata: MetaV1.ObjectMeta(), spec: pinned.spec)
        #expect(DaemonPlacement.targetNode(of: pod) == "n7")
        #expect(pinned.metadata?.labels?["controller-revision-hash"] == "h1")
        let keys = Set((pinned.spec?.tolerations ?? []).compactMap(\.key))
        #expect(keys.contains("node.kubernetes.io/not-ready") && keys.contains("node.kubernetes.io/network-unavailable"))
        #expect(DaemonPlacement.affinityMatches(pinned.spec?.affinity, node: Self.node("n7")))
        #expect(!DaemonPlacement.affinityMatches(pinned.spec?.affinity, node: Self.node("n8")))
        pod.spec?.nodeName = "bound"
        #expect(DaemonPlacement.targetNode(of: pod) == "bound")
    }

    @Test(arguments: [(IntOrString?.none, 5, 1), ("20%", 5, 1), ("50%", 5, 3), (2, 5, 2), ("garbage", 5, 1)] as [(IntOrString?, Int, Int)])
    func maxUnavailable(value: IntOrString?, desired: Int, want: Int) {
        #expect(DaemonPlacement.maxUnavailable(value, desired: desired) == want)
    }

    @Test func tolerationMatching() {
        let taint = CoreV1.Taint(effect: "NoSchedule", key: "k", value: "v")
        #expect(DaemonPlacement.tolerates(CoreV1.Toleration(operator: "Exists"), taint))
        #expect(DaemonPlacement.tolerates(CoreV1.Toleration(key: "k", operator: "Exists"), taint))
        #expect(!DaemonPlacement.tolerates(CoreV1.Toleration(effect: "NoExecute", key: "k", operator: "Exists"), taint))
        #expect(!DaemonPlacement.tolerates(CoreV1.Toleration(key: "k", value: "w"), taint))
        #expect(DaemonPlacement.tolerates(CoreV1.Toleration(key: "k", value: "v"), taint))
    }
}
