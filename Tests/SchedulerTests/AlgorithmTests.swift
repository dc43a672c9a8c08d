import KubeAPI
import Testing
@testable import Scheduler

@Suite struct AlgorithmTests {
    func schedule(_ pod: CoreV1.Pod, nodes: [CoreV1.Node], pods: [CoreV1.Pod] = [], seed: UInt64 = 1) throws(SchedulingError) -> String {
        let snapshot = ClusterSnapshot(nodes: nodes, pods: pods)
        return try SchedulingAlgorithm(seed: seed).schedule(PodInfo(pod), in: snapshot).nodeName
    }

    func failure(_ pod: CoreV1.Pod, nodes: [CoreV1.Node], pods: [CoreV1.Pod] = []) -> SchedulingError? {
        do {
            _ = try schedule(pod, nodes: nodes, pods: pods)
            return nil
        } catch {
            return error
        }
    }

    @Test func fitErrorMessageHasUpstreamShape() {
        let nodes = (1...3).map { Fixtures.node("n\($0)", cpu: "1") }
        let error = failure(Fixtures.pod("big", cpu: "2"), nodes: nodes)
        #expect(error?.message == "0/3 nodes are available: 3 Insufficient cpu.")
    }

    @Test func histogramSortsEntriesAsStrings() {
        let nodes = [Fixtures.node("a", cpu: "1", unschedulable: true), Fixtures.node("b", cpu: "1"), Fixtures.node("c", cpu: "1", pods: "0")]
        let error = failure(Fixtures.pod("big", cpu: "2"), nodes: nodes)
        #expect(error?.message == "0/3 nodes are available: 1 Too many pods, 1 node(s) were unschedulable, 2 Insufficient cpu.")
    }

    @Test func fitErrorAppendsPreemptionMessage() {
        let fit = FitError(numAllNodes: 3, failures: [
            "a": FilterFailure(.unschedulable, plugin: "NodeResourcesFit", "Insufficient cpu"),
        ], preemptionMessage: "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
        #expect(fit.message == "0/3 nodes are available: 1 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    }

    @Test func emptyClusterAndInvalidPod() {
        #expect(failure(Fixtures.pod("p"), nodes: []) == .noNodesAvailable)
        #expect(SchedulingError.noNodesAvailable.message == "no nodes available to schedule pods")
        let bad = CoreV1.Affinity(podAffinity: CoreV1.PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [
            CoreV1.PodAffinityTerm(labelSelector: MetaV1.LabelSelector(matchLabels: ["bad key!": "x"]), topologyKey: "zone"),
        ]))
        guard case .invalidPod(let reason) = failure(Fixtures.pod("p", affinity: bad), nodes: [Fixtures.node("n")]) else {
            Issue.record("expected invalidPod")
            return
        }
        #expect(reason.contains("invalid pod affinity term"))
    }

    @Test func leastAllocatedPrefersTheEmptierNode() throws {
        let nodes = [Fixtures.node("busy"), Fixtures.node("idle")]
        let pods = [Fixtures.pod("x", cpu: "3", memory: "6Gi", nodeName: "busy")]
        for seed in 0..<5 as Range<UInt64> {
            #expect(try schedule(Fixtures.pod("p", cpu: "100m", memory: "100Mi"), nodes: nodes, pods: pods, seed: seed) == "idle")
        }
    }

    @Test func resourceScores() {
        let node = NodeInfo(node: Fixtures.node("n", cpu: "4", memory: "4Gi"))
        let pod = PodInfo(Fixtures.pod("p", cpu: "2", memory: "1Gi"))
        #expect(NodeResourcesFit.leastAllocatedScore(pod, node) == (50 + 75) / 2)
        #expect(NodeResourcesFit.balancedAllocationScore(pod, node) == 87)
    }

    @Test func preferredNodeAffinityWins() throws {
        let nodes = [Fixtures.node("a", labels: ["disk": "hdd"]), Fixtures.node("b", labels: ["disk": "ssd"])]
        let term = CoreV1.PreferredSchedulingTerm(preference: CoreV1.NodeSelectorTerm(matchExpressions: [
            CoreV1.NodeSelectorRequirement(key: "disk", operator: "In", values: ["ssd"]),
        ]), weight: 10)
        let affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(preferredDuringSchedulingIgnoredDuringExecution: [term]))
        #expect(try schedule(Fixtures.pod("p", affinity: affinity), nodes: nodes) == "b")
    }

    @Test func preferNoScheduleTaintIsAvoided() throws {
        let nodes = [Fixtures.node("a", taints: [CoreV1.Taint(effect: "PreferNoSchedule", key: "soft")]), Fixtures.node("b")]
        for seed in 0..<5 as Range<UInt64> {
            #expect(try schedule(Fixtures.pod("p"), nodes: nodes, seed: seed) == "b")
        }
    }

    @Test func numFeasibleNodesToFind() {
        let algorithm = SchedulingAlgorithm()
        #expect(algorithm.numFeasibleNodesToFind(50) == 50)
        #expect(algorithm.numFeasibleNodesToFind(200) == 100)
        #expect(algorithm.numFeasibleNodesToFind(1000) == 420)
        #expect(algorithm.numFeasibleNodesToFind(5000) == 500)
        #expect(algorithm.numFeasibleNodesToFind(6000) == 300)
        algorithm.percentageOfNodesToScore = 100
        #expect(algorithm.numFeasibleNodesToFind(6000) == 6000)
    }

    static func padded(_ n: Int) -> String {
        let digits = String(n)
        return "n" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    @Test func largeClustersAreSampledFromARotatingStart() throws {
        let snapshot = ClusterSnapshot(nodes: (0..<1000).map { Fixtures.node(AlgorithmTests.padded($0)) })
        let algorithm = SchedulingAlgorithm(seed: 3)
        let first = try algorithm.schedule(PodInfo(Fixtures.pod("a")), in: snapshot)
        #expect(first.evaluatedNodes == 420)
        #expect(first.feasibleNodes == 420)
        let second = try algorithm.schedule(PodInfo(Fixtures.pod("b")), in: snapshot)
        #expect(second.evaluatedNodes == 420)
        // The second pod's sample starts where the first one stopped.
        #expect(first.nodeName < "n0420")
        #expect(second.nodeName >= "n0420" && second.nodeName < "n0840")
    }

    @Test func nominatedNodeIsTriedFirst() throws {
        var pod = Fixtures.pod("p", cpu: "1")
        pod.status = CoreV1.PodStatus(nominatedNodeName: "b")
        let nodes = [Fixtures.node("a", cpu: "8"), Fixtures.node("b", cpu: "2")]
        #expect(try schedule(pod, nodes: nodes) == "b")
    }

    @Test func nominatedHigherPriorityPodsReserveRoom() {
        let snapshot = ClusterSnapshot(nodes: [Fixtures.node("a", cpu: "2")])
        snapshot.setNomination(PodInfo(Fixtures.pod("vip", cpu: "2", priority: 100)), nodeName: "a")
        let low = PodInfo(Fixtures.pod("low", cpu: "1", priority: 1))
        #expect(throws: SchedulingError.self) { try SchedulingAlgorithm().schedule(low, in: snapshot) }
        let high = PodInfo(Fixtures.pod("higher", cpu: "1", priority: 1000))
        #expect(throws: Never.self) { try SchedulingAlgorithm().schedule(high, in: snapshot) }
    }

    @Test func snapshotAssumesAndForgets() throws {
        let snapshot = ClusterSnapshot(nodes: [Fixtures.node("a", cpu: "1")])
        let algorithm = SchedulingAlgorithm()
        let first = PodInfo(Fixtures.pod("first", cpu: "800m"))
        let result = try algorithm.schedule(first, in: snapshot)
        snapshot.assume(first, on: result.nodeName)
        #expect(snapshot.nodeName(ofPod: "default/first") == "a")
        #expect(throws: SchedulingError.self) { try algorithm.schedule(PodInfo(Fixtures.pod("second", cpu: "800m")), in: snapshot) }
        snapshot.removePod(key: "default/first")
        #expect(try algorithm.schedule(PodInfo(Fixtures.pod("second", cpu: "800m")), in: snapshot).nodeName == "a")
    }

    @Test func finishedPodsAndRemovedNodes() {
        var done = Fixtures.pod("done", cpu: "1", nodeName: "a")
        done.status = CoreV1.PodStatus(phase: "Succeeded")
        let snapshot = ClusterSnapshot(nodes: [Fixtures.node("a"), Fixtures.node("b")], pods: [done, Fixtures.pod("run", cpu: "1", nodeName: "b")])
        #expect(snapshot.node(named: "a")?.requested.milliCPU == 0)
        snapshot.removeNode(named: "b")
        #expect(snapshot.nodes.map(\.name) == ["a"])
        #expect(snapshot.nodeName(ofPod: "default/run") == "b")
        snapshot.upsertNode(Fixtures.node("b"))
        #expect(snapshot.node(named: "b")?.requested.milliCPU == 1000)
    }
}
