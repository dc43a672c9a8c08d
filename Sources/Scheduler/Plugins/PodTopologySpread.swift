#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Topology spread constraints: the `DoNotSchedule` filter and the `ScheduleAnyway` score,
/// prepared once per scheduling cycle.
public struct PodTopologySpread: Sendable {
    /// Reason when a hard constraint's skew would be exceeded.
    public static let skewReason = "node(s) didn't match pod topology spread constraints"
    /// Reason when a node lacks a hard constraint's topology label.
    public static let missingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)"

    struct Prepared: Sendable {
        var constraint: SpreadConstraint
        var counts: [String: Int64] = [:]
        var minimum: Int64 = 0
        var selfMatch: Int64 = 0
        var domainOf: [Int32] = []
        var domainCounts: [Int64] = []
    }

    var hard: [Prepared] = []
    var soft: [Prepared] = []
    var softWeights: [Double] = []
    var softRequireAll = true
    /// Whether the filter has anything to check.
    public var filterActive: Bool { !hard.isEmpty }
    /// Whether the score has anything to compute.
    public var scoreActive: Bool { !soft.isEmpty }

    /// Nothing to check.
    public init() {}

    /// The constraints applied when a pod has none: spread a controller's pods over hosts
    /// (max skew 3) and zones (max skew 5), as a preference.
    public static func defaultConstraints(for pod: PodInfo) -> [SpreadConstraint] {
        guard pod.spreadConstraints.isEmpty, let uid = pod.controllerUID else { return [] }
        var host = SpreadConstraint(hard: false, maxSkew: 3, topologyKey: "kubernetes.io/hostname", selector: .everything)
        host.ownerUID = uid
        var zone = SpreadConstraint(hard: false, maxSkew: 5, topologyKey: "topology.kubernetes.io/zone", selector: .everything)
        zone.ownerUID = uid
        return [host, zone]
    }

    static func eligible(_ node: NodeInfo, for pod: PodInfo, _ constraint: SpreadConstraint) -> Bool {
        if constraint.honorNodeAffinity && !pod.nodeSelector.isEmpty
            && !pod.nodeSelector.matches(labels: node.labels, nodeName: node.name) { return false }
        if constraint.honorNodeTaints {
            for taint in node.taints where taint.effect == .noSchedule || taint.effect == .noExecute {
                if !pod.tolerations.tolerate(taint) { return false }
            }
        }
        return true
    }

    static func matchingCount(_ node: NodeInfo, _ constraint: SpreadConstraint, namespace: String) -> Int64 {
        var count: Int64 = 0
        for existing in node.pods where constraint.counts(existing, namespace: namespace) { count += 1 }
        return count
    }

    /// Prepares the hard constraints (counts over every eligible node).
    public init(filterFor pod: PodInfo, snapshot: ClusterSnapshot) {
        let constraints = pod.spreadConstraints.filter(\.hard)
        guard !constraints.isEmpty else { return }
        hard = constraints.map { Prepared(constraint: $0, selfMatch: $0.selector.matches(pod.labels) ? 1 : 0) }
        for node in snapshot.nodes {
            guard constraints.allSatisfy({ node.labels[$0.topologyKey] != nil }) else { continue }
            for index in hard.indices {
                let constraint = hard[index].constraint
                guard Self.eligible(node, for: pod, constraint), let value = node.labels[constraint.topologyKey] else { continue }
                hard[index].counts[value, default: 0] += Self.matchingCount(node, constraint, namespace: pod.namespace)
            }
        }
        for index in hard.indices {
            let counts = hard[index].counts
            if Int64(counts.count) < hard[index].constraint.minDomains {
                hard[index].minimum = 0
            } else {
                hard[index].minimum = counts.values.min() ?? 0
            }
        }
    }

    /// The filter: every hard constraint's skew must stay within `maxSkew` with the pod placed.
    public func filter(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        for prepared in hard {
            guard let value = node.labels[prepared.constraint.topologyKey] else {
                return FilterFailure(.unresolvable, plugin: "PodTopologySpread", Self.missingLabelReason)
            }
            let skew = prepared.counts[value, default: 0] + prepared.selfMatch - prepared.minimum
            if skew > prepared.constraint.maxSkew {
                return FilterFailure(.unschedulable, plugin: "PodTopologySpread", Self.skewReason)
            }
        }
        return nil
    }

    /// Prepares the soft constraints for scoring the feasible nodes.
    public init(scoreFor pod: PodInfo, feasible: [NodeInfo], snapshot: ClusterSnapshot) {
        var constraints = pod.spreadConstraints.filter { !$0.hard }
        softRequireAll = !constraints.isEmpty
        if pod.spreadConstraints.isEmpty { constraints = Self.defaultConstraints(for: pod) }
        guard !constraints.isEmpty else { return }
        soft = constraints.map { Prepared(constraint: $0) }
        for index in soft.indices {
            let constraint = soft[index].constraint
            let domains = snapshot.domains(for: constraint.topologyKey)
            let domainOf = domains.domainOf
            var counts = [Int64](repeating: 0, count: domains.values.count)
            var inFeasible = [Bool](repeating: false, count: domains.values.count)
            var domainCount = 0
            for node in feasible {
                let id = domainOf[node.index]
                if id >= 0 && !inFeasible[Int(id)] {
                    inFeasible[Int(id)] = true
                    domainCount += 1
                }
            }
            softWeights.append(log(Double(domainCount + 2)))
            if domainCount > 0 {
                if let uid = constraint.ownerUID {
                    // Only the nodes that hold the controller's pods contribute.
                    for (_, entry) in snapshot.controllerPods[uid] ?? [:] {
                        let node = entry.node
                        guard node.node != nil, node.index >= 0, node.index < domainOf.count else { continue }
                        let id = Int(domainOf[node.index])
                        guard id >= 0, inFeasible[id], Self.eligible(node, for: pod, constraint) else { continue }
                        counts[id] += Int64(entry.count)
                    }
                } else {
                    let candidates = constraint.topologyKey == Self.hostnameKey ? feasible : snapshot.nodes
                    for node in candidates {
                        let id = Int(domainOf[node.index])
                        guard id >= 0, inFeasible[id], Self.eligible(node, for: pod, constraint) else { continue }
                        counts[id] += Self.matchingCount(node, constraint, namespace: pod.namespace)
                    }
                }
            }
            soft[index].domainOf = domainOf
            soft[index].domainCounts = counts
        }
    }

    static let hostnameKey = "kubernetes.io/hostname"

    /// The raw score of a node (lower is better before normalisation); `nil` when the node lacks
    /// a required topology label and is ignored.
    public func rawScore(_ node: NodeInfo) -> Int64? {
        var score = 0.0
        for index in soft.indices {
            let id = Int(soft[index].domainOf[node.index])
            guard id >= 0 else {
                if softRequireAll { return nil }
                continue
            }
            score += Double(soft[index].domainCounts[id]) * softWeights[index] + Double(soft[index].constraint.maxSkew - 1)
        }
        return Int64(score.rounded())
    }
}
