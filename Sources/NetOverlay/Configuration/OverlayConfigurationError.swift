/// A flag value refused, named as the user typed the flag: the overlay's flags here, and every
/// `k3s server` / `k3s agent` flag in `Cluster` (as `ServerConfigurationError`).
public struct OverlayConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The flag, without dashes (`service-cidr`).
    public var flag: String
    /// The value as given.
    public var value: String
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(flag: String, value: String, reason: String) {
        self.flag = flag
        self.value = value
        self.reason = reason
    }

    /// `invalid --FLAG "VALUE": REASON`.
    public var description: String { "invalid --\(flag) \"\(value)\": \(reason)" }
}
