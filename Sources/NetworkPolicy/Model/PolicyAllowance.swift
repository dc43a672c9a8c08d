/// One kind of traffic a direction of a pod allows: from or to ``peer``, on ``ports``.
public struct PolicyAllowance: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The other end.
    public var peer: PolicyPeer
    /// The destination ports, sorted; `nil` for every port of every protocol.
    public var ports: [PolicyPortRange]?

    /// Creates an allowance (ports sorted, without duplicates).
    public init(peer: PolicyPeer, ports: [PolicyPortRange]?) {
        self.peer = peer
        self.ports = ports.map { $0.sortedUnique() }
    }

    /// `pods(10.42.0.5) tcp/80,udp/53` or `any all-ports`.
    public var description: String {
        "\(peer) \(ports.map { $0.map(\.description).joined(separator: ",") } ?? "all-ports")"
    }

    /// By peer, then by ports (every port first): a stable order for rendering.
    public static func < (lhs: PolicyAllowance, rhs: PolicyAllowance) -> Bool {
        if lhs.peer != rhs.peer { return lhs.peer < rhs.peer }
        switch (lhs.ports, rhs.ports) {
        case (nil, nil), (_?, nil): return false
        case (nil, _?): return true
        case (let a?, let b?): return a.lexicographicallyPrecedes(b)
        }
    }
}
