import KubeAPI
import Testing
@testable import Scheduler

@Suite struct PreemptionTests {
    func run(_ pod: CoreV1.Pod, nodes: [CoreV1.Node], pods: [CoreV1.Pod]) throws -> (Preemption.Outcome, ClusterSnapshot, FitError) {
        let snapshot = ClusterSnapshot(nodes: nodes, pods: pods)
        let algorithm = SchedulingAlgorithm(seed: 1)
        let info = PodInfo(pod)
        do throws(SchedulingError) {
            _ = try algorithm.schedule(info, in: snapshot)
        } catch .unschedulable(let fit) {
            return (Preemption.preempt(info, fitError: fit, snapshot: snapshot, algorithm: algorithm), snapshot, fit)
        } catch {
            throw error
        }
        throw SchedulingError.invalidPod("pod unexpectedly fit")
    }

    @Test func evictsTheFewestLowestPriorityPods() throws {
        let nodes = [Fixtures.node("a", cpu: "2"), Fixtures.node("b", cpu: "2")]
        let pods = [
            Fixtures.pod("a-low", cpu: "1", nodeName: "a", priority: 10),
            Fixtures.pod("a-mid", cpu: "1", nodeName: "a", priority: 50),
            Fixtures.pod("b-mid1", cpu: "1", nodeName: "b", priority: 50),
            Fixtures.pod("b-mid2", cpu: "1", nodeName: "b", priority: 50),
        ]
        let (outcome, snapshot, _) = try run(Fixtures.pod("vip", cpu: "1", priority: 100), nodes: nodes, pods: pods)
        guard case .preempt(let candidate) = outcome else {
            Issue.record("expected a candidate, got \(outcome)")
            return
        }
        // On "a" evicting the priority-10 pod suffices; on "b" a priority-50 pod would go.
        #expect(candidate.nodeName == "a")
        #expect(candidate.victims.map(\.name) == ["a-low"])
        // The snapshot is restored.
        #expect(snapshot.node(named: "a")?.requested.milliCPU == 2000)
        #expect(snapshot.node(named: "b")?.pods.count == 2)
    }

    @Test func equalOrHigherPriorityPodsAreNeverVictims() throws {
        let nodes = (1...3).map { Fixtures.node("n\($0)", cpu: "1") }
        let pods = (1...3).map { Fixtures.pod("p\($0)", cpu: "1", nodeName: "n\($0)", priority: 100) }
        let (outcome, _, fit) = try run(Fixtures.pod("vip", cpu: "1", priority: 100), nodes: nodes, pods: pods)
        guard case .failed(let message) = outcome else {
            Issue.record("expected failure")
            return
        }
        #expect(message == "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
        var full = fit
        full.preemptionMessage = message
        #expect(full.message == "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.")
    }

    @Test func unresolvableNodesAreNotHelpfulAndTooSmallNodesKeepTheirReason() throws {
        let nodes = [Fixtures.node("tainted", cpu: "8", taints: [CoreV1.Taint(effect: "NoSchedule", key: "gpu")]),
                     Fixtures.node("small", cpu: "1")]
        let pods = [Fixtures.pod("low", cpu: "500m", nodeName: "small", priority: 0)]
        let (outcome, _, _) = try run(Fixtures.pod("vip", cpu: "2", priority: 100), nodes: nodes, pods: pods)
        guard case .failed(let message) = outcome else {
            Issue.record("expected failure")
            return
        }
        #expect(message == "preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling.")
    }

    @Test func preemptionPolicyNever() throws {
        var pod = Fixtures.pod("polite", cpu: "1", priority: 100)
        pod.spec?.preemptionPolicy = "Never"
        let (outcome, _, _) = try run(pod, nodes: [Fixtures.node("a", cpu: "1")], pods: [Fixtures.pod("low", cpu: "1", nodeName: "a")])
        guard case .failed(let message) = outcome else {
            Issue.record("expected failure")
            return
        }
        #expect(message == "preemption: not eligible due to preemptionPolicy=Never.")
    }

    @Test func reprievesVictimsThatAreNotNeeded() throws {
        let nodes = [Fixtures.node("a", cpu: "3")]
        let pods = [
            Fixtures.pod("keep", cpu: "1", nodeName: "a", priority: 20),
            Fixtures.pod("go", cpu: "1", nodeName: "a", priority: 10),
            Fixtures.pod("also-keep", cpu: "1", nodeName: "a", priority: 30),
        ]
        let (outcome, _, _) = try run(Fixtures.pod("vip", cpu: "1", priority: 100), nodes: nodes, pods: pods)
        guard case .preempt(let candidate) = outcome else {
            Issue.record("expected a candidate")
            return
        }
        #expect(candidate.victims.map(\.name) == ["go"])
    }
}
