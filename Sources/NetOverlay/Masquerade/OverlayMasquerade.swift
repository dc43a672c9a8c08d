import KubeAPI

/// Masquerading of pod egress, with Flannel's `--ip-masq` semantics, as nftables tables owned
/// by k3s (`table ip k3s-swift-overlay`, `table ip6 k3s-swift-overlay`), one per family, each
/// with a `postrouting` NAT chain:
///
/// - pod to pod (source and destination in the cluster CIDR): unchanged, also across nodes;
/// - pod to multicast: unchanged;
/// - pod to anywhere else: masqueraded (`fully-random` ports);
/// - from outside the cluster CIDR to this node's pods: unchanged;
/// - from outside the cluster CIDR (the host itself) to other nodes' pods: masqueraded.
///
/// A script deletes and recreates both tables in one `nft -f -` transaction, so the rules are
/// rebuilt from scratch each time and never duplicated. With this on, the CNI bridge's own
/// `ipMasq` should be off (``CNIConfiguration/ipMasq``), or pod-to-pod traffic across nodes
/// would be masqueraded by the bridge plugin's rules.
public struct OverlayMasquerade: Sendable, Hashable {
    /// The tables' name.
    public static let tableName = "k3s-swift-overlay"

    /// The networks of every pod in the cluster (`--cluster-cidr`), at most one per family.
    public var clusterCIDRs: [IPPrefix]

    /// Creates the rules for `clusterCIDRs` (masked).
    public init(clusterCIDRs: [IPPrefix]) {
        self.clusterCIDRs = clusterCIDRs.map(\.masked)
    }

    /// The `nft -f` script that replaces both tables: rules for each of `families` that has a
    /// cluster CIDR (the node's pod CIDR of that family exempts traffic to local pods), no
    /// table for the others.
    public func script(podCIDRs: [IPPrefix], families: [IPAddress.Family]) -> String {
        var script = ""
        for family in IPAddress.Family.allCases {
            script += Self.reset(family)
            let cluster = clusterCIDRs.filter { $0.family == family }
            guard families.contains(family), !cluster.isEmpty else { continue }
            let ip = family == .ipv4 ? "ip" : "ip6"
            let clusterSet = Self.set(cluster)
            let multicast = family == .ipv4 ? "224.0.0.0/4" : "ff00::/8"
            var rules = [
                "\(ip) saddr \(clusterSet) \(ip) daddr \(clusterSet) return",
                "\(ip) saddr \(clusterSet) \(ip) daddr \(multicast) return",
                "\(ip) saddr \(clusterSet) masquerade fully-random",
            ]
            if let local = podCIDRs.first(where: { $0.family == family }) {
                rules.append("\(ip) saddr != \(clusterSet) \(ip) daddr \(local.masked) return")
            }
            rules.append("\(ip) saddr != \(clusterSet) \(ip) daddr \(clusterSet) masquerade fully-random")
            script += "table \(ip) \(Self.tableName) {\n\tchain postrouting {\n"
                + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
                + rules.map { "\t\t\($0)\n" }.joined() + "\t}\n}\n"
        }
        return script
    }

    /// The script that removes both tables (and succeeds when they are not there).
    public static var removalScript: String { IPAddress.Family.allCases.map(reset).joined() }

    /// Declares the table (a no-op when it exists) and deletes it: the table is gone after
    /// either case.
    private static func reset(_ family: IPAddress.Family) -> String {
        let ip = family == .ipv4 ? "ip" : "ip6"
        return "table \(ip) \(tableName)\ndelete table \(ip) \(tableName)\n"
    }

    private static func set(_ prefixes: [IPPrefix]) -> String {
        prefixes.count == 1 ? "\(prefixes[0])" : "{ " + prefixes.map(\.description).joined(separator: ", ") + " }"
    }
}
