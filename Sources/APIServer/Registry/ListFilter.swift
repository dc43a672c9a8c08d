import KubeAPI

/// What a list or watch selects: a namespace (empty for all) and label and field selectors.
public struct ListFilter: Sendable {
    /// The namespace, empty for every namespace.
    public var namespace: String
    /// The label selector.
    public var labels: LabelSelector
    /// The field selector.
    public var fields: FieldSelector

    /// Creates a filter.
    public init(namespace: String = "", labels: LabelSelector = .everything, fields: FieldSelector = .everything) {
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
    }

    /// Whether `object` passes.
    func matches(_ object: CachedObject) -> Bool {
        object.matches(namespace: namespace, labels: labels, fields: fields)
    }
}
