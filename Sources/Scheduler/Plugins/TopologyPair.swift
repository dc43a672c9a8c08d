/// A topology domain: a node label key and its value.
public struct TopologyPair: Sendable, Hashable {
    /// The label key.
    public var key: String
    /// The label value.
    public var value: String

    /// Creates a pair.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
