/// Default preemption: when no node fits, find a node where evicting lower-priority pods makes
/// room, with the fewest and least important victims.
public enum Preemption {
    /// Per-node reason when the node has no lower-priority pods.
    public static let noVictimsReason = "No preemption victims found for incoming pod"
    /// Per-node reason when the node was rejected for a reason eviction cannot fix.
    public static let notHelpfulReason = "Preemption is not helpful for scheduling"
    /// Message for a pod that may not preempt.
    public static let neverPolicyMessage = "preemption: not eligible due to preemptionPolicy=Never."
    /// Message for a pod whose nominated node still has lower-priority pods terminating.
    public static let terminatingVictimMessage = "preemption: not eligible due to a terminating pod on the nominated node."

    /// The chosen node and the pods to evict from it.
    public struct Candidate: Sendable {
        /// The node the preemptor is nominated to.
        public var nodeName: String
        /// Pods to evict, most important first.
        public var victims: [PodInfo]
    }

    /// What preemption decided.
    public enum Outcome: Sendable {
        /// Evict the victims and nominate the node.
        case preempt(Candidate)
        /// Preemption cannot help; the message (`preemption: ...`) explains why.
        case failed(String)
    }

    /// Looks for a preemption candidate for a pod that failed to schedule with `fitError`.
    /// The snapshot is modified while evaluating and restored before returning.
    public static func preempt(_ pod: PodInfo, fitError: FitError, snapshot: ClusterSnapshot,
                               algorithm: SchedulingAlgorithm) -> Outcome {
        if pod.pod.spec?.preemptionPolicy == "Never" { return .failed(neverPolicyMessage) }
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty,
           fitError.failures[nominated]?.code == .unschedulable,
           let node = snapshot.node(named: nominated),
           node.pods.contains(where: { $0.isTerminating && $0.priority < pod.priority }) {
            return .failed(terminatingVictimMessage)
        }
        let nodes = snapshot.nodes
        let wanted = max(nodes.count / 10, 100)
        var reasons: [[String]] = []
        var candidates: [Candidate] = []
        nodeLoop: for node in nodes {
            guard let failure = fitError.failures[node.name] else { continue }
            if failure.code == .unresolvable {
                reasons.append([notHelpfulReason])
                continue
            }
            switch selectVictims(pod, on: node, snapshot: snapshot, algorithm: algorithm) {
            case .success(let victims):
                candidates.append(Candidate(nodeName: node.name, victims: victims))
                if candidates.count >= wanted { break nodeLoop }
            case .failure(let failure):
                reasons.append(failure.reasons)
            }
        }
        guard let best = pickBest(candidates) else {
            return .failed("preemption: " + FitError.histogram(numAllNodes: nodes.count, reasons: reasons))
        }
        return .preempt(best)
    }

    /// Finds the smallest set of lower-priority pods on the node whose removal lets the pod fit:
    /// removes all of them, then gives back as many as possible, most important first.
    static func selectVictims(_ pod: PodInfo, on node: NodeInfo, snapshot: ClusterSnapshot,
                              algorithm: SchedulingAlgorithm) -> Result<[PodInfo], FilterFailure> {
        let lower = node.pods.filter { $0.priority < pod.priority }
        if lower.isEmpty { return .failure(FilterFailure(.unresolvable, plugin: "DefaultPreemption", noVictimsReason)) }
        let nodeName = node.name
        for victim in lower { snapshot.removePod(key: victim.key) }
        let needsState = !pod.spreadConstraints.isEmpty || pod.hasAffinity || snapshot.podsWithAffinityCount > 0
        var state = algorithm.prepare(pod, in: snapshot)
        if let failure = algorithm.filter(state, node, in: snapshot) {
            for victim in lower { snapshot.assume(victim, on: nodeName) }
            return .failure(failure)
        }
        let ordered = lower.sorted { a, b in
            a.priority != b.priority ? a.priority > b.priority : a.startSeconds < b.startSeconds
        }
        var victims: [PodInfo] = []
        for candidate in ordered {
            snapshot.assume(candidate, on: nodeName)
            if needsState { state = algorithm.prepare(pod, in: snapshot) }
            if algorithm.filter(state, node, in: snapshot) != nil {
                snapshot.removePod(key: candidate.key)
                victims.append(candidate)
            }
        }
        for victim in victims { snapshot.assume(victim, on: nodeName) }
        return .success(victims)
    }

    /// Upstream's order: lowest highest-victim priority, then lowest priority sum, then fewest
    /// victims, then the latest start among the most important victims, then the first found.
    static func pickBest(_ candidates: [Candidate]) -> Candidate? {
        guard var best = candidates.first else { return nil }
        for candidate in candidates.dropFirst() where isBetter(candidate, than: best) { best = candidate }
        return best
    }

    private static func isBetter(_ a: Candidate, than b: Candidate) -> Bool {
        let highestA = a.victims.map(\.priority).max() ?? Int.min
        let highestB = b.victims.map(\.priority).max() ?? Int.min
        if highestA != highestB { return highestA < highestB }
        let offset = Int64(Int32.max) + 1
        let sumA = a.victims.reduce(Int64(0)) { $0 + Int64($1.priority) + offset }
        let sumB = b.victims.reduce(Int64(0)) { $0 + Int64($1.priority) + offset }
        if sumA != sumB { return sumA < sumB }
        if a.victims.count != b.victims.count { return a.victims.count < b.victims.count }
        let earliestA = a.victims.filter { $0.priority == highestA }.map(\.startSeconds).min() ?? 0
        let earliestB = b.victims.filter { $0.priority == highestB }.map(\.startSeconds).min() ?? 0
        return earliestA > earliestB
    }
}
