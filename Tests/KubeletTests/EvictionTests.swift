import KubeAPI
import Testing
@testable import Kubelet

@Suite("Pressure and node-pressure eviction")
struct EvictionTests {
    let thresholds = try! EvictionThreshold.parse(EvictionThreshold.defaultHard.merging(["pid.available": "1000"]) { a, _ in a })
    let gib: Int64 = 1 << 30

    func observations(memory: Int64 = 4 << 30, nodefsFree: Int64 = 50 << 30, imagefsFree: Int64? = nil, inodesFree: Int64 = 900_000, processes: Int64 = 100) -> NodeObservations {
        NodeObservations(
            memoryAvailableBytes: memory, memoryCapacityBytes: 8 << 30,
            nodefs: FilesystemUsage(capacityBytes: 100 << 30, availableBytes: nodefsFree, inodes: 1_000_000, inodesFree: inodesFree),
            imagefs: imagefsFree.map { FilesystemUsage(capacityBytes: 100 << 30, availableBytes: $0, inodes: 1_000_000, inodesFree: 900_000) },
            pidMax: 32768, runningProcesses: processes)
    }

    @Test func aCalmNodeMeetsNoThreshold() {
        #expect(observations().thresholdsMet(thresholds).isEmpty)
    }

    @Test func eachSignalMeetsItsThreshold() {
        #expect(observations(memory: 99 << 20).thresholdsMet(thresholds).map(\.threshold.signal) == [.memoryAvailable])
        #expect(observations(memory: 100 << 20).thresholdsMet(thresholds).isEmpty)
        // 9 GiB free of 100 is under 10% (nodefs) and 15% (imagefs, the same filesystem here).
        #expect(observations(nodefsFree: 9 << 30).thresholdsMet(thresholds).map(\.threshold.signal) == [.nodefsAvailable, .imagefsAvailable])
        #expect(observations(imagefsFree: 14 << 30).thresholdsMet(thresholds).map(\.threshold.signal) == [.imagefsAvailable])
        #expect(observations(inodesFree: 40_000).thresholdsMet(thresholds).map(\.threshold.signal) == [.nodefsInodesFree])
        #expect(observations(processes: 32_000).thresholdsMet(thresholds).map(\.threshold.signal) == [.pidAvailable])
        let met = observations(memory: 1, processes: 32_000).thresholdsMet(thresholds)
        #expect(met.map(\.threshold.signal.condition) == [.memory, .pid])
    }

    @Test func pressureStaysForTheTransitionPeriod() {
        var tracker = PressureTracker(transitionPeriod: .seconds(300))
        let met = observations(memory: 1).thresholdsMet(thresholds)
        #expect(tracker.update(met: met, now: .seconds(10)) == NodePressure([.memory]))
        #expect(tracker.update(met: [], now: .seconds(300)) == NodePressure([.memory]))
        #expect(tracker.update(met: [], now: .seconds(310)) == NodePressure.none)
    }

    func pod(_ name: String, priority: Int? = nil, memoryRequest: String? = nil, phase: String = "Running") -> CoreV1.Pod {
        var pod = makePod(name: name, uid: name, phase: phase)
        pod.spec?.priority = priority
        if let memoryRequest {
            pod.spec?.containers?[0].resources = CoreV1.ResourceRequirements(requests: ["memory": Quantity(memoryRequest)])
        }
        return pod
    }

    @Test func memoryRankingPutsPodsOverTheirRequestsFirst() {
        let candidates = [
            EvictionCandidate(pod: pod("guaranteed-big", memoryRequest: "2Gi"), containerUsage: ["main": 1 << 30]),
            EvictionCandidate(pod: pod("best-effort-small"), containerUsage: ["main": 10 << 20]),
            EvictionCandidate(pod: pod("burstable-over", memoryRequest: "100Mi"), containerUsage: ["main": 500 << 20]),
            EvictionCandidate(pod: pod("best-effort-high", priority: 1000), containerUsage: ["main": 900 << 20]),
            EvictionCandidate(pod: pod("critical", priority: 2_000_000_000), containerUsage: ["main": 4 << 30]),
            EvictionCandidate(pod: pod("done", phase: "Succeeded"), containerUsage: [:]),
        ]
        let order = EvictionRanking.rank(candidates, for: .memoryAvailable).map { $0.pod.metadata.name ?? "" }
        // Over-request pods at priority 0 by use beyond requests (400Mi > 10Mi), then the higher
        // priority over-request pod, then the pod within its request; critical and terminal pods never.
        #expect(order == ["burstable-over", "best-effort-small", "best-effort-high", "guaranteed-big"])
    }

    @Test func pidRankingIsPriorityThenProcesses() {
        let candidates = [
            EvictionCandidate(pod: pod("few"), containerUsage: ["main": 3]),
            EvictionCandidate(pod: pod("many"), containerUsage: ["main": 300]),
            EvictionCandidate(pod: pod("important", priority: 10), containerUsage: ["main": 3000]),
        ]
        #expect(EvictionRanking.rank(candidates, for: .pidAvailable).map { $0.pod.metadata.name ?? "" } == ["many", "few", "important"])
    }

    @Test func theDecisionNamesTheResourceTheThresholdAndTheContainers() throws {
        let met = observations(memory: 50 << 20).thresholdsMet(thresholds)
        let candidates = [
            EvictionCandidate(pod: pod("within", memoryRequest: "1Gi"), containerUsage: ["main": 100 << 20]),
            EvictionCandidate(pod: pod("hog"), containerUsage: ["main": 200 << 20]),
        ]
        let decision = try #require(EvictionRanking.decide(met: met, candidates: candidates))
        #expect(decision.pod.metadata.name == "hog")
        #expect(decision.message == "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "
            + "Container main was using 200Mi, request is 0, has larger consumption of memory. ")
        #expect(EvictionRanking.decide(met: [], candidates: candidates) == nil)
        #expect(EvictionRanking.decide(met: met, candidates: []) == nil)
    }

    @Test func diskEvictionSpeaksOfEphemeralStorage() throws {
        let met = observations(nodefsFree: 5 << 30).thresholdsMet(thresholds)
        let decision = try #require(EvictionRanking.decide(met: met, candidates: [EvictionCandidate(pod: pod("writer"), containerUsage: ["main": 3 << 30])]))
        #expect(decision.message == "The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 5Gi. "
            + "Container main was using 3Gi, request is 0, has larger consumption of ephemeral-storage. ")
    }
}
