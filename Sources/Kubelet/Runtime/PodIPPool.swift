import KubeAPI

/// Allocates pod IPv4 addresses from a node's pod CIDR, like the CNI `host-local` plugin: the
/// network address, the first address (the bridge gateway) and the broadcast address are never
/// handed out; the lowest free address is.
public struct PodIPPool: Sendable, Hashable {
    /// The CIDR as given.
    public let cidr: String
    private let network: UInt32
    private let prefixLength: Int
    var allocated: Set<UInt32> = []

    /// Parses an IPv4 CIDR (`10.42.3.0/24`). For a dual-stack list (`10.42.3.0/24,fd00:42::/64`)
    /// the first IPv4 entry is used.
    /// - Throws: `RuntimeError(.invalidArgument)` when no entry is a valid IPv4 CIDR with a prefix
    ///   of at most /30.
    public init(cidr: String) throws(RuntimeError) {
        let entries = cidr.split(separator: ",").map { $0.trimmingSpaces() }
        guard let entry = entries.first(where: { !$0.contains(":") }) else {
            throw RuntimeError(.invalidArgument, "pod CIDR \"\(cidr)\" has no IPv4 range")
        }
        let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = Self.parseIPv4(String(parts[0])), let prefix = Int(parts[1]), (0...30).contains(prefix) else {
            throw RuntimeError(.invalidArgument, "pod CIDR \"\(cidr)\" is not an IPv4 CIDR with a prefix of at most /30")
        }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix)
        self.cidr = entry
        self.network = address & mask
        self.prefixLength = prefix
    }

    /// How many addresses can be handed out in total.
    public var capacity: Int { (1 << (32 - prefixLength)) - 3 }

    /// How many addresses are handed out now.
    public var allocatedCount: Int { allocated.count }

    /// The gateway address (first usable), as text.
    public var gateway: String { Self.format(network + 1) }

    /// Hands out the lowest free address.
    /// - Throws: `RuntimeError(.unavailable)` when the range is exhausted.
    public mutating func allocate() throws(RuntimeError) -> String {
        let first = network + 2
        let last = network + UInt32(capacity) + 1
        guard allocated.count < capacity else {
            throw RuntimeError(.unavailable, "no pod IP left in \(cidr)")
        }
        var candidate = first
        while allocated.contains(candidate) { candidate += 1 }
        precondition(candidate <= last)
        allocated.insert(candidate)
        return Self.format(candidate)
    }

    /// Returns an address to the pool; unknown addresses are ignored.
    public mutating func release(_ address: String) {
        guard let value = Self.parseIPv4(address) else { return }
        allocated.remove(value)
    }

    /// Whether `address` lies inside the range.
    public func contains(_ address: String) -> Bool {
        guard let value = Self.parseIPv4(address) else { return false }
        let mask: UInt32 = prefixLength == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefixLength)
        return value & mask == network
    }

    static func parseIPv4(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard !octet.isEmpty, octet.count <= 3, octet.allSatisfy(\.isASCIIDigit), let byte = UInt32(octet), byte <= 255 else { return nil }
            value = value << 8 | byte
        }
        return value
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension PodIPPool {
    /// Marks `address` as in use (after a restart or a CIDR change); ignored outside the range.
    public mutating func reserve(_ address: String) {
        guard contains(address), let value = Self.parseIPv4(address) else { return }
        allocated.insert(value)
    }
}
