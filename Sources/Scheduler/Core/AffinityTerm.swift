import KubeAPI

/// A compiled pod (anti-)affinity term: which pods it selects and over which topology key.
public struct AffinityTerm: Sendable {
    /// The label selector pods must match (`matchLabelKeys`/`mismatchLabelKeys` folded in).
    public var selector: LabelSelector
    /// Namespaces named by the term (defaulting to the owning pod's namespace).
    public var namespaces: Set<String>
    /// The namespace selector; `everything` matches all namespaces, `nil` means none.
    public var namespaceSelector: LabelSelector?
    /// The node label that defines the topology domain.
    public var topologyKey: String
    /// The weight of a preferred term (ignored for required ones).
    public var weight: Int64

    /// Compiles an API term for a pod in `namespace` with `labels`. Throws for an invalid selector.
    public init(_ term: CoreV1.PodAffinityTerm, namespace: String, labels: [String: String], weight: Int64 = 0) throws(SelectorParseError) {
        var selector = try LabelSelector(term.labelSelector)
        if !selector.isNothing {
            for key in term.matchLabelKeys ?? [] {
                if let value = labels[key] { selector = selector.adding(try .init(key: key, operator: .in, values: [value])) }
            }
            for key in term.mismatchLabelKeys ?? [] {
                if let value = labels[key] { selector = selector.adding(try .init(key: key, operator: .notIn, values: [value])) }
            }
        }
        self.selector = selector
        self.topologyKey = term.topologyKey ?? ""
        self.weight = weight
        let names = Set(term.namespaces ?? [])
        if let nsSelector = term.namespaceSelector {
            self.namespaceSelector = try LabelSelector(nsSelector)
            self.namespaces = names
        } else {
            self.namespaceSelector = nil
            self.namespaces = names.isEmpty ? [namespace] : names
        }
    }

    /// Whether the term selects a pod, given a lookup of namespace labels (for namespace selectors).
    public func matches(_ pod: PodInfo, namespaceLabels: (String) -> [String: String]?) -> Bool {
        if !namespaces.contains(pod.namespace) {
            guard let namespaceSelector else { return false }
            if !namespaceSelector.isEverything {
                guard let labels = namespaceLabels(pod.namespace), namespaceSelector.matches(labels) else { return false }
            }
        }
        return selector.matches(pod.labels)
    }
}
