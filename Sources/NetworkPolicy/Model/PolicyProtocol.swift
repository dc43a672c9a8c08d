/// The transport protocols a NetworkPolicy port names (`protocol`, default TCP).
public enum PolicyProtocol: String, Sendable, Hashable, Comparable, CaseIterable {
    /// TCP.
    case tcp
    /// UDP.
    case udp
    /// SCTP.
    case sctp

    /// The protocol an API field names (`TCP`, `UDP`, `SCTP`; absent means TCP), or `nil` for
    /// anything else.
    public init?(apiValue: String?) {
        switch apiValue ?? "TCP" {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }

    /// In declaration order: TCP, UDP, SCTP.
    public static func < (lhs: PolicyProtocol, rhs: PolicyProtocol) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
