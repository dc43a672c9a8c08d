import KubeAPI

/// The addresses on the other end of allowed traffic: the source for ingress, the destination
/// for egress.
public enum PolicyPeer: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Any address (a rule without `from`/`to`).
    case any
    /// These pod addresses (peers chosen by `podSelector`/`namespaceSelector`), sorted, without
    /// duplicates.
    case addresses([IPAddress])
    /// An `ipBlock`: the network, minus the `except` networks (masked, sorted).
    case block(IPPrefix, except: [IPPrefix])

    /// Pod addresses, sorted and without duplicates.
    public static func pods(_ addresses: some Sequence<IPAddress>) -> PolicyPeer {
        .addresses(Array(addresses).sortedUnique())
    }

    /// Whether the peer matches no address at all (an empty pod list).
    public var isEmpty: Bool {
        if case .addresses(let list) = self { return list.isEmpty }
        return false
    }

    /// `any`, `pods(10.42.0.5,10.42.1.7)`, `block(10.0.0.0/8 except 10.1.0.0/16)`.
    public var description: String {
        switch self {
        case .any: return "any"
        case .addresses(let list): return "pods(\(list.map(\.description).joined(separator: ",")))"
        case .block(let prefix, let except):
            return except.isEmpty ? "block(\(prefix))" : "block(\(prefix) except \(except.map(\.description).joined(separator: ",")))"
        }
    }

    /// A stable order for rendering: `any`, then pod addresses, then blocks; within a kind by
    /// addresses.
    public static func < (lhs: PolicyPeer, rhs: PolicyPeer) -> Bool {
        switch (lhs, rhs) {
        case (.any, .any): return false
        case (.any, _): return true
        case (_, .any): return false
        case (.addresses(let a), .addresses(let b)): return a.lexicographicallyPrecedes(b)
        case (.addresses, .block): return true
        case (.block, .addresses): return false
        case (.block(let a, let aExcept), .block(let b, let bExcept)):
            return a != b ? a < b : aExcept.lexicographicallyPrecedes(bExcept)
        }
    }
}
