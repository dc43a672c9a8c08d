/// Why a `k3s server` setting was refused: names the flag, the value and the problem.
public struct ServerConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
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

    public var description: String { "invalid --\(flag) \"\(value)\": \(reason)" }
}
