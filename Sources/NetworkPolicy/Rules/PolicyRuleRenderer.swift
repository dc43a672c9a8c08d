import KubeAPI
import NFTables

/// Renders the rules of a node's pods as one `inet` nft table (IPv4 and IPv6 together):
///
/// ```
/// table inet k3s-swift-policy {
///   map ingress-ipv4 { type ipv4_addr : verdict; }   # pod address → jump ingress/NS/POD
///   map ingress-ipv6 …, egress-ipv4 …, egress-ipv6 …
///   set peers-N { type ipv4_addr; flags interval; auto-merge; }   # one per distinct peer group
///   chain forward {
///     type filter hook forward priority filter; policy accept;
///     ct state established,related accept          # replies to allowed traffic
///     icmpv6 type { nd-… } accept                    # neighbour discovery between pods
///     ip daddr vmap @ingress-ipv4                    # isolated destinations
///     ip6 daddr vmap @ingress-ipv6
///     ip saddr vmap @egress-ipv4                     # isolated sources
///     ip6 saddr vmap @egress-ipv6
///   }
///   chain ingress/NS/POD { ip saddr { POD } return; ip saddr @peers-1 meta l4proto tcp th dport { 80 } return; …; counter drop }
///   chain egress/NS/POD  { … return; counter drop }
/// }
/// ```
///
/// A pod's chain `return`s for allowed traffic, so a packet between two local pods is checked
/// against the destination's ingress and then the source's egress; anything not allowed ends in
/// the chain's `drop`. Pods that are not isolated in a direction have no entry in its map.
/// Traffic the node itself sends goes through `output`, not `forward`: it is never filtered.
public struct PolicyRuleRenderer: Sendable {
    /// The default table name.
    public static let defaultTableName = "k3s-swift-policy"

    /// The table.
    public let table: NFTablesTable

    /// Creates a renderer for table `inet NAME`.
    public init(tableName: String = PolicyRuleRenderer.defaultTableName) {
        self.table = NFTablesTable(family: .inet, name: tableName)
    }

    /// The traffic directions, as they name maps and chains.
    enum Direction: String, CaseIterable {
        case ingress, egress

        /// The packet field holding the local pod's address: the destination for ingress.
        func podField(_ family: IPAddress.Family) -> String { "\(family == .ipv4 ? "ip" : "ip6") \(self == .ingress ? "daddr" : "saddr")" }
        /// The packet field holding the peer's address.
        func peerField(_ family: IPAddress.Family) -> String { "\(family == .ipv4 ? "ip" : "ip6") \(self == .ingress ? "saddr" : "daddr")" }
    }

    /// The map of a direction and family (`ingress-ipv4`).
    static func mapName(_ direction: Direction, _ family: IPAddress.Family) -> String {
        "\(direction.rawValue)-\(family == .ipv4 ? "ipv4" : "ipv6")"
    }

    /// The table's content for `pods`.
    public func objects(for pods: [PodPolicyRules]) -> NFTablesObjects {
        var objects = NFTablesObjects()
        var sets = PeerSets()
        var forward = [
            "ct state established,related accept",
            "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept",
        ]
        for direction in Direction.allCases {
            for family in IPAddress.Family.allCases {
                let map = Self.mapName(direction, family)
                objects.sets[map] = "type \(family == .ipv4 ? "ipv4_addr" : "ipv6_addr") : verdict;"
                forward.append("\(direction.podField(family)) vmap @\(map)")
            }
        }
        objects.chains["forward"] = .init(declaration: "type filter hook forward priority filter; policy accept;", rules: forward)
        for pod in pods {
            for direction in Direction.allCases {
                guard let allowances = direction == .ingress ? pod.ingress : pod.egress else { continue }
                let chain = Self.chainName(direction, pod: pod.pod)
                // A pod always reaches itself, also through a Service address that the service
                // proxy sends back to it (hairpin), as it does through its own address.
                var chainRules = IPAddress.Family.allCases.compactMap { family -> String? in
                    let own = pod.addresses.filter { $0.family == family }.map(\.description)
                    return own.isEmpty ? nil : "\(direction.peerField(family)) { \(own.joined(separator: ", ")) } return"
                }
                chainRules += allowances.flatMap { rules(for: $0, direction: direction, sets: &sets) }
                chainRules.append("counter drop")
                objects.chains[chain] = .init(rules: chainRules)
                for address in pod.addresses {
                    objects.elements[.init(set: Self.mapName(direction, address.family), key: "\(address)")] = "jump \(chain)"
                }
            }
        }
        for (name, set) in sets.byName {
            objects.sets[name] = "type \(set.family == .ipv4 ? "ipv4_addr" : "ipv6_addr"); flags interval; auto-merge;"
            for element in set.elements { objects.elements[.init(set: name, key: element)] = "" }
        }
        return objects
    }

    /// One transaction that rebuilds the table from nothing with the rules of `pods`.
    public func script(for pods: [PodPolicyRules]) -> String {
        var transaction = NFTablesTransaction(table: table)
        transaction.recreateTable()
        let objects = objects(for: pods)
        transaction.changeChainsAndSets(from: NFTablesObjects(), to: objects)
        transaction.changeElements(from: NFTablesObjects(), to: objects)
        return transaction.script
    }

    /// The transaction that removes the table (and does nothing when it is not there).
    public var removalScript: String { "add table \(table)\ndelete table \(table)\n" }

    /// The chain of a pod's direction: `ingress/NS/NAME`, or, for names too long for nft,
    /// `ingress/h-HASH` of them.
    static func chainName(_ direction: Direction, pod: String) -> String {
        let name = "\(direction.rawValue)/\(pod)"
        guard name.utf8.count > 200 else { return name }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in pod.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return "\(direction.rawValue)/h-\(String(repeating: "0", count: 16 - hex.count))\(hex)"
    }

    /// The rules (each ending in `return`) that let `allowance` through.
    func rules(for allowance: PolicyAllowance, direction: Direction, sets: inout PeerSets) -> [String] {
        var matches: [String] = []
        switch allowance.peer {
        case .any:
            matches = [""]
        case .addresses(let addresses):
            for family in IPAddress.Family.allCases {
                let members = addresses.filter { $0.family == family }
                guard !members.isEmpty else { continue }
                matches.append("\(direction.peerField(family)) @\(sets.name(family: family, .addresses(members)))")
            }
        case .block(let prefix, let except):
            var match = "\(direction.peerField(prefix.family)) @\(sets.name(family: prefix.family, .networks([prefix])))"
            if !except.isEmpty {
                match += " \(direction.peerField(prefix.family)) != @\(sets.name(family: prefix.family, .networks(except)))"
            }
            matches = [match]
        }
        var portMatches = [""]
        if let ports = allowance.ports {
            portMatches = PolicyProtocol.allCases.compactMap { proto in
                let ranges = ports.filter { $0.protocol == proto }
                guard !ranges.isEmpty else { return nil }
                let list = ranges.map { $0.ports.count == 1 ? "\($0.ports.lowerBound)" : "\($0.ports.lowerBound)-\($0.ports.upperBound)" }
                return "meta l4proto \(proto.rawValue) th dport { \(list.joined(separator: ", ")) }"
            }
        }
        return matches.flatMap { match in
            portMatches.map { ports in [match, ports, "return"].filter { !$0.isEmpty }.joined(separator: " ") }
        }
    }
}
