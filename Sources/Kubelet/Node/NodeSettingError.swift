/// A malformed node setting (an eviction threshold, a resource list, a `--kubelet-arg`).
public struct NodeSettingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, naming the setting.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
