/// The scheduling cycle for one pod: filter nodes (a rotating sample once the cluster is large),
/// score the feasible ones with weighted, normalised plugin scores, pick the best.
///
/// A reference type holding reusable scratch buffers; use it from one task at a time.
public final class SchedulingAlgorithm {
    /// Score plugin weights (upstream defaults).
    public struct Weights: Sendable, Hashable {
        /// NodeResourcesFit (LeastAllocated).
        public var leastAllocated: Int64 = 1
        /// NodeResourcesBalancedAllocation.
        public var balancedAllocation: Int64 = 1
        /// InterPodAffinity (preferred terms).
        public var interPodAffinity: Int64 = 2
        /// NodeAffinity (preferred terms).
        public var nodeAffinity: Int64 = 2
        /// PodTopologySpread (`ScheduleAnyway`).
        public var topologySpread: Int64 = 2
        /// TaintToleration (`PreferNoSchedule`).
        public var taintToleration: Int64 = 3

        /// The defaults.
        public init() {}
    }

    /// The state one cycle prepares for a pod.
    public struct CycleState: Sendable {
        /// The pod being scheduled.
        public var pod: PodInfo
        /// Inter-pod affinity state.
        public var interPodAffinity: InterPodAffinity
        /// Hard topology spread state.
        public var spread: PodTopologySpread
        /// What the pod's persistent volume claims allow.
        public var volumes: VolumeBinding
    }

    /// The smallest number of feasible nodes to look for before stopping the search.
    public static let minFeasibleNodesToFind = 100
    /// The smallest adaptive percentage of nodes to search.
    public static let minFeasibleNodesPercentageToFind = 5
    /// The highest plugin score.
    public static let maxNodeScore: Int64 = 100

    /// Percentage of nodes to search for feasible ones; 0 picks it adaptively
    /// (50% minus 1% per 125 nodes, at least 5%).
    public var percentageOfNodesToScore: Int
    /// Score weights.
    public var weights: Weights
    private var nextStartNodeIndex = 0
    private var random: SplitMix64
    private var feasible: [NodeInfo] = []
    private var totals: [Int64] = []
    private var raw: [Int64] = []

    /// Creates the algorithm. `seed` fixes the tie-breaking between equally scored nodes.
    public init(percentageOfNodesToScore: Int = 0, weights: Weights = .init(), seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.percentageOfNodesToScore = percentageOfNodesToScore
        self.weights = weights
        self.random = SplitMix64(seed: seed)
    }

    /// How many feasible nodes to find in a cluster of `allNodes` before scoring.
    public func numFeasibleNodesToFind(_ allNodes: Int) -> Int {
        if allNodes < Self.minFeasibleNodesToFind || percentageOfNodesToScore >= 100 { return allNodes }
        var percentage = percentageOfNodesToScore
        if percentage <= 0 {
            percentage = max(50 - allNodes / 125, Self.minFeasibleNodesPercentageToFind)
        }
        return max(allNodes * percentage / 100, Self.minFeasibleNodesToFind)
    }

    /// Prepares the per-cycle state (affinity and spread counts) for a pod.
    public func prepare(_ pod: PodInfo, in snapshot: ClusterSnapshot) -> CycleState {
        CycleState(pod: pod,
                   interPodAffinity: InterPodAffinity(pod: pod, snapshot: snapshot),
                   spread: PodTopologySpread(filterFor: pod, snapshot: snapshot),
                   volumes: VolumeBinding(pod: pod, catalog: snapshot.volumes))
    }

    /// Runs the filters in upstream order and returns the first failure, or `nil` when the node
    /// fits. Nominated pods of at least the pod's priority count against the node's resources.
    public func filter(_ state: CycleState, _ node: NodeInfo, in snapshot: ClusterSnapshot) -> FilterFailure? {
        let pod = state.pod
        if let failure = NodePlugins.unschedulable(pod, node) { return failure }
        if let failure = NodePlugins.nodeName(pod, node) { return failure }
        if !node.taints.isEmpty, let failure = NodePlugins.taintToleration(pod, node) { return failure }
        if let failure = NodePlugins.nodeAffinity(pod, node) { return failure }
        if let failure = NodePlugins.nodePorts(pod, node) { return failure }
        var extra: ResourceAmounts?
        if !snapshot.nominated.isEmpty, let waiting = snapshot.nominated[node.name] {
            for other in waiting where other.key != pod.key && other.priority >= pod.priority {
                if extra == nil { extra = ResourceAmounts() }
                extra!.add(other.requests.requested)
            }
        }
        if let failure = NodeResourcesFit.filter(pod, node, extra: extra) { return failure }
        if state.volumes.filterActive, let failure = state.volumes.filter(node) { return failure }
        if state.spread.filterActive, let failure = state.spread.filter(pod, node) { return failure }
        if state.interPodAffinity.filterActive, let failure = state.interPodAffinity.filter(pod, node) { return failure }
        return nil
    }

    /// Picks a node for the pod. Does not change the snapshot.
    ///
    /// - Throws: `SchedulingError.noNodesAvailable` for an empty cluster, `.invalidPod` for
    ///   constraints that cannot be compiled, `.unschedulable` with every node's failure.
    public func schedule(_ pod: PodInfo, in snapshot: ClusterSnapshot) throws(SchedulingError) -> ScheduleResult {
        if let reason = pod.invalidReason { throw .invalidPod(reason) }
        let nodes = snapshot.nodes
        if nodes.isEmpty { throw .noNodesAvailable }
        let state = prepare(pod, in: snapshot)
        if let message = state.volumes.preFilterFailure {
            // Rejected before any node is tried: every node gets the same unresolvable failure.
            let failure = FilterFailure(.unresolvable, plugin: "VolumeBinding", message)
            var failures: [String: FilterFailure] = [:]
            for node in nodes { failures[node.name] = failure }
            throw .unschedulable(FitError(numAllNodes: nodes.count, failures: failures, preFilterMessage: message))
        }

        // A pod nominated by an earlier preemption goes to its node when it fits there.
        if let nominated = pod.pod.status?.nominatedNodeName, !nominated.isEmpty,
           let node = snapshot.node(named: nominated), filter(state, node, in: snapshot) == nil {
            return ScheduleResult(nodeName: nominated, evaluatedNodes: 1, feasibleNodes: 1)
        }

        let toFind = numFeasibleNodesToFind(nodes.count)
        feasible.removeAll(keepingCapacity: true)
        var failures: [String: FilterFailure] = [:]
        let start = nextStartNodeIndex % nodes.count
        var processed = 0
        var index = start
        while processed < nodes.count {
            let node = nodes[index]
            processed += 1
            index += 1
            if index == nodes.count { index = 0 }
            if let failure = filter(state, node, in: snapshot) {
                failures[node.name] = failure
            } else {
                feasible.append(node)
                if feasible.count >= toFind { break }
            }
        }
        nextStartNodeIndex = (start + processed) % nodes.count
        if feasible.isEmpty {
            throw .unschedulable(FitError(numAllNodes: nodes.count, failures: failures))
        }
        let evaluated = processed
        if feasible.count == 1 {
            return ScheduleResult(nodeName: feasible[0].name, evaluatedNodes: evaluated, feasibleNodes: 1)
        }
        let chosen = score(state, snapshot: snapshot)
        return ScheduleResult(nodeName: chosen.name, evaluatedNodes: evaluated, feasibleNodes: feasible.count)
    }

    /// Scores the nodes in `feasible` and returns the best (ties broken at random).
    private func score(_ state: CycleState, snapshot: ClusterSnapshot) -> NodeInfo {
        let pod = state.pod
        let count = feasible.count
        totals.removeAll(keepingCapacity: true)
        for node in feasible {
            totals.append(weights.leastAllocated * NodeResourcesFit.leastAllocatedScore(pod, node)
                          + weights.balancedAllocation * NodeResourcesFit.balancedAllocationScore(pod, node))
        }
        if !pod.preferredNodeTerms.isEmpty {
            collect { NodePlugins.preferredNodeAffinity(pod, $0) }
            normalizeDefault(reverse: false, weight: weights.nodeAffinity)
        }
        if snapshot.nodesWithPreferNoSchedule > 0 {
            collect { NodePlugins.intolerablePreferNoScheduleCount(pod, $0) }
            normalizeDefault(reverse: true, weight: weights.taintToleration)
        }
        let affinity = state.interPodAffinity
        if affinity.scoreActive {
            collect { affinity.score($0) }
            var minimum = Int64.max, maximum = Int64.min
            for value in raw { minimum = min(minimum, value); maximum = max(maximum, value) }
            let spread = maximum - minimum
            for i in 0..<count {
                let normalized = spread > 0 ? Self.maxNodeScore * (raw[i] - minimum) / spread : 0
                totals[i] += weights.interPodAffinity * normalized
            }
        }
        let spread = PodTopologySpread(scoreFor: pod, feasible: feasible, snapshot: snapshot)
        if spread.scoreActive {
            var minimum = Int64.max, maximum = Int64.min
            raw.removeAll(keepingCapacity: true)
            for node in feasible {
                if let value = spread.rawScore(node) {
                    raw.append(value)
                    minimum = min(minimum, value)
                    maximum = max(maximum, value)
                } else {
                    raw.append(-1)
                }
            }
            for i in 0..<count where raw[i] >= 0 {
                let normalized = maximum == 0 ? Self.maxNodeScore : Self.maxNodeScore * (maximum + minimum - raw[i]) / maximum
                totals[i] += weights.topologySpread * normalized
            }
        }
        var best = 0
        var ties: UInt64 = 0
        var bestScore = Int64.min
        for i in 0..<count {
            let value = totals[i]
            if value > bestScore {
                bestScore = value
                best = i
                ties = 1
            } else if value == bestScore {
                ties += 1
                if random.next() % ties == 0 { best = i }
            }
        }
        return feasible[best]
    }

    private func collect(_ scoreOf: (NodeInfo) -> Int64) {
        raw.removeAll(keepingCapacity: true)
        for node in feasible { raw.append(scoreOf(node)) }
    }

    /// Scales raw scores to 0...100 by the maximum (reversed: 100 minus that), weighted into the totals.
    private func normalizeDefault(reverse: Bool, weight: Int64) {
        var maximum: Int64 = 0
        for value in raw { maximum = max(maximum, value) }
        for i in 0..<raw.count {
            var value = raw[i]
            if maximum == 0 {
                value = reverse ? Self.maxNodeScore : 0
            } else {
                value = Self.maxNodeScore * value / maximum
                if reverse { value = Self.maxNodeScore - value }
            }
            totals[i] += weight * value
        }
    }
}

/// Where a pod should go.
public struct ScheduleResult: Sendable, Hashable {
    /// The chosen node.
    public var nodeName: String
    /// How many nodes were filtered.
    public var evaluatedNodes: Int
    /// How many of them fit.
    public var feasibleNodes: Int

    /// Creates a result.
    public init(nodeName: String, evaluatedNodes: Int, feasibleNodes: Int) {
        self.nodeName = nodeName
        self.evaluatedNodes = evaluatedNodes
        self.feasibleNodes = feasibleNodes
    }
}
