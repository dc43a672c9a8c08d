/// One nftables table: its family and name (`table ip k3s-swift-proxy`).
public struct NFTablesTable: Sendable, Hashable, CustomStringConvertible {
    /// The address families nftables tables have.
    public enum Family: String, Sendable, Hashable {
        /// IPv4 only.
        case ip
        /// IPv6 only.
        case ip6
        /// Both.
        case inet
    }

    /// The family.
    public var family: Family
    /// The name.
    public var name: String

    /// Creates a table reference.
    public init(family: Family, name: String) {
        self.family = family
        self.name = name
    }

    /// `FAMILY NAME`, as commands name the table.
    public var description: String { "\(family.rawValue) \(name)" }
}
