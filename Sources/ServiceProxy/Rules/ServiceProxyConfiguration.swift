import KubeAPI
import NFTables

/// What the proxy knows of its node and cluster.
public struct ServiceProxyConfiguration: Sendable, Hashable {
    /// This node's name: endpoints whose `nodeName` matches are local.
    public var nodeName: String
    /// This node's addresses (the families with one get a table).
    public var nodeIPs: [IPAddress]
    /// The pod network(s) (`--cluster-cidr`): traffic to a cluster IP from outside them is
    /// masqueraded, and pods reaching an `externalTrafficPolicy: Local` Service's node port go
    /// to any endpoint. Empty: cluster-IP traffic is masqueraded only when a pod reaches itself.
    public var clusterCIDRs: [IPPrefix]
    /// The families proxied, IPv4 first: those of ``nodeIPs``, or IPv4 alone without any.
    public var families: [IPAddress.Family]
    /// The name of the table owned in each family (`table ip NAME`, `table ip6 NAME`).
    public var tableName: String
    /// The packet mark bit that asks for masquerading on the way out.
    public var masqueradeMark: UInt32

    /// The table name used unless told otherwise.
    public static let defaultTableName = "k3s-swift-proxy"

    /// Creates a configuration.
    public init(
        nodeName: String, nodeIPs: [IPAddress] = [], clusterCIDRs: [IPPrefix] = [], families: [IPAddress.Family]? = nil,
        tableName: String = Self.defaultTableName, masqueradeMark: UInt32 = 0x4000
    ) {
        self.nodeName = nodeName
        self.nodeIPs = nodeIPs
        self.clusterCIDRs = clusterCIDRs
        let present = IPAddress.Family.allCases.filter { family in nodeIPs.contains { $0.family == family } }
        self.families = families ?? (present.isEmpty ? [.ipv4] : present)
        self.tableName = tableName
        self.masqueradeMark = masqueradeMark
    }

    /// The table of `family`.
    public func table(_ family: IPAddress.Family) -> NFTablesTable {
        NFTablesTable(family: family == .ipv4 ? .ip : .ip6, name: tableName)
    }
}
