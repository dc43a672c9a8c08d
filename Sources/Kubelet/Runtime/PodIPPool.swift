import KubeAPI

/// Allocates pod IPv4 addresses from a node's pod CIDR, like the CNI `host-local` plugin: the
/// network address, the first address (the bridge gateway) and the broadcast address are never
/// handed out; the lowest free address is.
public struct PodIPPool: Sendable, Hashable {
    /// The IPv4 range addresses come from (host bits cleared).
    public let cidr: IPPrefix
    /// The offsets from the network address that are handed out.
    var allocated: Set<UInt128> = []

    /// Parses an IPv4 CIDR (`10.42.3.0/24`). For a dual-stack list (`10.42.3.0/24,fd00:42::/64`)
    /// the first IPv4 entry is used.
    /// - Throws: `RuntimeError(.invalidArgument)` when no entry is a valid IPv4 CIDR with a prefix
    ///   of at most /30.
    public init(cidr: String) throws(RuntimeError) {
        let entries = cidr.split(separator: ",").map { $0.trimmingSpaces() }
        guard let entry = entries.first(where: { !$0.contains(":") }) else {
            throw RuntimeError(.invalidArgument, "pod CIDR \"\(cidr)\" has no IPv4 range")
        }
        guard let prefix = IPPrefix(entry), prefix.family == .ipv4, prefix.length <= 30 else {
            throw RuntimeError(.invalidArgument, "pod CIDR \"\(cidr)\" is not an IPv4 CIDR with a prefix of at most /30")
        }
        self.cidr = prefix.masked
    }

    /// How many addresses can be handed out in total.
    public var capacity: Int { (1 << cidr.hostBitCount) - 3 }

    /// How many addresses are handed out now.
    public var allocatedCount: Int { allocated.count }

    /// The gateway address (the first after the network address).
    public var gateway: IPAddress { cidr.address(at: 1)! }

    /// The offsets that may be handed out: after the gateway, before the broadcast address.
    var usableOffsets: ClosedRange<UInt128> { 2...UInt128(capacity + 1) }

    /// Hands out the lowest free address.
    /// - Throws: `RuntimeError(.unavailable)` when the range is exhausted.
    public mutating func allocate() throws(RuntimeError) -> IPAddress {
        guard let offset = usableOffsets.first(where: { !allocated.contains($0) }) else {
            throw RuntimeError(.unavailable, "no pod IP left in \(cidr)")
        }
        allocated.insert(offset)
        return cidr.address(at: offset)!
    }

    /// Returns an address to the pool; addresses it did not hand out are ignored.
    public mutating func release(_ address: IPAddress) {
        guard let offset = cidr.offset(of: address) else { return }
        allocated.remove(offset)
    }

    /// Marks `address` as in use (after a restart or a CIDR change); ignored unless it is an
    /// address the pool could hand out.
    public mutating func reserve(_ address: IPAddress) {
        guard let offset = cidr.offset(of: address), usableOffsets.contains(offset) else { return }
        allocated.insert(offset)
    }

    /// Whether `address` lies inside the range.
    public func contains(_ address: IPAddress) -> Bool { cidr.contains(address) }
}
