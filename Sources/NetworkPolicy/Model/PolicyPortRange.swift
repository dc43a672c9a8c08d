/// Destination ports of one protocol that a rule allows: one port (`80`) or a range
/// (`port`…`endPort`).
public struct PolicyPortRange: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The protocol.
    public var `protocol`: PolicyProtocol
    /// The ports, inclusive.
    public var ports: ClosedRange<Int>

    /// Creates a range.
    public init(_ protocol: PolicyProtocol, _ ports: ClosedRange<Int>) {
        self.protocol = `protocol`
        self.ports = ports
    }

    /// Creates a single port.
    public init(_ protocol: PolicyProtocol, _ port: Int) {
        self.init(`protocol`, port...port)
    }

    /// Every port of `protocol`.
    public static func all(_ protocol: PolicyProtocol) -> PolicyPortRange { PolicyPortRange(`protocol`, 1...65535) }

    /// By protocol, then by first and last port.
    public static func < (lhs: PolicyPortRange, rhs: PolicyPortRange) -> Bool {
        (lhs.protocol, lhs.ports.lowerBound, lhs.ports.upperBound) < (rhs.protocol, rhs.ports.lowerBound, rhs.ports.upperBound)
    }

    /// `tcp/80` or `tcp/8000-9000`.
    public var description: String {
        let ports = self.ports.count == 1 ? "\(self.ports.lowerBound)" : "\(self.ports.lowerBound)-\(self.ports.upperBound)"
        return "\(self.protocol.rawValue)/\(ports)"
    }
}
