/// Required and preferred inter-pod (anti-)affinity, prepared once per scheduling cycle.
public struct InterPodAffinity: Sendable {
    /// Reason when the pod's required affinity is not met.
    public static let affinityReason = "node(s) didn't match pod affinity rules"
    /// Reason when the pod's required anti-affinity is violated.
    public static let antiAffinityReason = "node(s) didn't match pod anti-affinity rules"
    /// Reason when an existing pod's required anti-affinity would be violated.
    public static let existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules"
    /// Weight an existing pod's required affinity term gives in scoring.
    public static let hardPodAffinityWeight: Int64 = 1

    /// Domains the pod must avoid because existing pods' anti-affinity selects it.
    var existingAnti: [TopologyPair: Int] = [:]
    /// Domains with pods matching all of the pod's required affinity terms.
    var affinity: [TopologyPair: Int] = [:]
    /// Domains with pods matching the pod's required anti-affinity terms.
    var anti: [TopologyPair: Int] = [:]
    /// Whether the pod matches all its own required affinity terms (first pod of a group).
    var matchesOwnAffinity = false
    /// Whether the filter has anything to check.
    public private(set) var filterActive = false
    /// Score contributions per domain.
    var scoreByPair: [TopologyPair: Int64] = [:]
    /// Whether the score has anything to add.
    public private(set) var scoreActive = false

    /// Nothing to check.
    public init() {}

    /// Prepares the filter and score state for a pod over the snapshot.
    public init(pod: PodInfo, snapshot: ClusterSnapshot) {
        let nsLabels: (String) -> [String: String]? = { snapshot.labelsOfNamespace($0) }
        let nodes = snapshot.nodes
        let podHasRequired = !pod.requiredAffinity.isEmpty || !pod.requiredAntiAffinity.isEmpty
        let podHasPreferred = !pod.preferredAffinity.isEmpty || !pod.preferredAntiAffinity.isEmpty
        if snapshot.podsWithAffinityCount == 0 && !podHasRequired && !podHasPreferred { return }
        for node in nodes {
            for existing in node.podsWithRequiredAntiAffinity {
                for term in existing.requiredAntiAffinity where term.matches(pod, namespaceLabels: nsLabels) {
                    if let value = node.labels[term.topologyKey] {
                        existingAnti[TopologyPair(key: term.topologyKey, value: value), default: 0] += 1
                    }
                }
            }
            let candidates = (podHasRequired || podHasPreferred) ? node.pods : node.podsWithAffinity
            for existing in candidates {
                if podHasRequired {
                    if !pod.requiredAffinity.isEmpty,
                       pod.requiredAffinity.allSatisfy({ $0.matches(existing, namespaceLabels: nsLabels) }) {
                        for term in pod.requiredAffinity {
                            if let value = node.labels[term.topologyKey] {
                                affinity[TopologyPair(key: term.topologyKey, value: value), default: 0] += 1
                            }
                        }
                    }
                    for term in pod.requiredAntiAffinity where term.matches(existing, namespaceLabels: nsLabels) {
                        if let value = node.labels[term.topologyKey] {
                            anti[TopologyPair(key: term.topologyKey, value: value), default: 0] += 1
                        }
                    }
                }
                // Scoring: the incoming pod's preferences, and existing pods' terms about it.
                for term in pod.preferredAffinity where term.matches(existing, namespaceLabels: nsLabels) {
                    addScore(term.topologyKey, node, term.weight)
                }
                for term in pod.preferredAntiAffinity where term.matches(existing, namespaceLabels: nsLabels) {
                    addScore(term.topologyKey, node, -term.weight)
                }
                if existing.hasAffinity {
                    for term in existing.requiredAffinity where term.matches(pod, namespaceLabels: nsLabels) {
                        addScore(term.topologyKey, node, Self.hardPodAffinityWeight)
                    }
                    for term in existing.preferredAffinity where term.matches(pod, namespaceLabels: nsLabels) {
                        addScore(term.topologyKey, node, term.weight)
                    }
                    for term in existing.preferredAntiAffinity where term.matches(pod, namespaceLabels: nsLabels) {
                        addScore(term.topologyKey, node, -term.weight)
                    }
                }
            }
        }
        matchesOwnAffinity = !pod.requiredAffinity.isEmpty
            && pod.requiredAffinity.allSatisfy { $0.matches(pod, namespaceLabels: nsLabels) }
        filterActive = podHasRequired || !existingAnti.isEmpty
        scoreByPair = scoreByPair.filter { $0.value != 0 }
        scoreActive = !scoreByPair.isEmpty
    }

    private mutating func addScore(_ key: String, _ node: NodeInfo, _ weight: Int64) {
        guard let value = node.labels[key] else { return }
        scoreByPair[TopologyPair(key: key, value: value), default: 0] += weight
    }

    /// The filter: the pod's required affinity must be met (or it is the first of its group),
    /// its anti-affinity must not be violated, nor any existing pod's anti-affinity.
    public func filter(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        guard filterActive else { return nil }
        if !pod.requiredAffinity.isEmpty {
            var satisfied = true
            for term in pod.requiredAffinity {
                guard let value = node.labels[term.topologyKey],
                      affinity[TopologyPair(key: term.topologyKey, value: value), default: 0] > 0 else {
                    satisfied = false
                    break
                }
            }
            if !satisfied {
                let firstOfGroup = affinity.isEmpty && matchesOwnAffinity
                    && pod.requiredAffinity.allSatisfy { node.labels[$0.topologyKey] != nil }
                if !firstOfGroup {
                    return FilterFailure(.unresolvable, plugin: "InterPodAffinity", Self.affinityReason)
                }
            }
        }
        if !anti.isEmpty {
            for term in pod.requiredAntiAffinity {
                if let value = node.labels[term.topologyKey],
                   anti[TopologyPair(key: term.topologyKey, value: value), default: 0] > 0 {
                    return FilterFailure(.unschedulable, plugin: "InterPodAffinity", Self.antiAffinityReason)
                }
            }
        }
        if !existingAnti.isEmpty {
            for (key, value) in node.labels where existingAnti[TopologyPair(key: key, value: value), default: 0] > 0 {
                return FilterFailure(.unschedulable, plugin: "InterPodAffinity", Self.existingAntiAffinityReason)
            }
        }
        return nil
    }

    /// The raw score of a node: the summed weights of the domains it is in (may be negative).
    public func score(_ node: NodeInfo) -> Int64 {
        var sum: Int64 = 0
        for (pair, weight) in scoreByPair where node.labels[pair.key] == pair.value { sum += weight }
        return sum
    }
}
