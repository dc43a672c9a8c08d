import KubeAPI

/// A compiled topology spread constraint.
public struct SpreadConstraint: Sendable {
    /// Whether a violation blocks scheduling (`DoNotSchedule`) or only lowers the score.
    public var hard: Bool
    /// The largest allowed difference between a domain's count and the global minimum.
    public var maxSkew: Int64
    /// The minimum number of eligible domains (hard constraints only).
    public var minDomains: Int64
    /// The node label that defines a domain.
    public var topologyKey: String
    /// Which pods count (`matchLabelKeys` folded in).
    public var selector: LabelSelector
    /// Whether only nodes matching the pod's node selector/affinity count (`Honor`, the default).
    public var honorNodeAffinity: Bool
    /// Whether only nodes whose taints the pod tolerates count (`Ignore` is the default).
    public var honorNodeTaints: Bool
    /// When set, the constraint counts the pods of this controller (by owner UID) instead of
    /// using ``selector`` (the default constraints).
    public var ownerUID: String?

    /// Creates a constraint directly.
    public init(hard: Bool, maxSkew: Int64, topologyKey: String, selector: LabelSelector,
                minDomains: Int64 = 1, honorNodeAffinity: Bool = true, honorNodeTaints: Bool = false) {
        self.hard = hard
        self.maxSkew = maxSkew
        self.minDomains = minDomains
        self.topologyKey = topologyKey
        self.selector = selector
        self.honorNodeAffinity = honorNodeAffinity
        self.honorNodeTaints = honorNodeTaints
        self.ownerUID = nil
    }

    /// Compiles an API constraint for a pod with `labels`. Throws for an invalid selector.
    public init(_ constraint: CoreV1.TopologySpreadConstraint, labels: [String: String]) throws(SelectorParseError) {
        var selector = try LabelSelector(constraint.labelSelector)
        if !selector.isNothing {
            for key in constraint.matchLabelKeys ?? [] {
                if let value = labels[key] { selector = selector.adding(try .init(key: key, operator: .in, values: [value])) }
            }
        }
        self.init(
            hard: constraint.whenUnsatisfiable != "ScheduleAnyway",
            maxSkew: Int64(max(constraint.maxSkew ?? 1, 1)),
            topologyKey: constraint.topologyKey ?? "",
            selector: selector,
            minDomains: Int64(max(constraint.minDomains ?? 1, 1)),
            honorNodeAffinity: constraint.nodeAffinityPolicy != "Ignore",
            honorNodeTaints: constraint.nodeTaintsPolicy == "Honor"
        )
    }

    /// Whether an existing pod counts toward this constraint for a pod in `namespace`.
    func counts(_ other: PodInfo, namespace: String) -> Bool {
        guard other.namespace == namespace, !other.isTerminating else { return false }
        if let ownerUID { return other.controllerUID == ownerUID }
        return selector.matches(other.labels)
    }
}
