/// Why a CIDR could not be handed out or taken.
public enum CIDRAllocatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not an IPv4 CIDR (`10.42.0.0/16`).
    case invalidCIDR(String)
    /// The per-node prefix is shorter than the cluster's, or longer than 32.
    case invalidMaskSize(cluster: Int, node: Int)
    /// Every node range is taken.
    case exhausted(String)
    /// The CIDR is not a node-sized range inside the cluster range.
    case outOfRange(String)

    /// A readable message.
    public var description: String {
        switch self {
        case .invalidCIDR(let text): "invalid IPv4 CIDR \"\(text)\""
        case .invalidMaskSize(let cluster, let node): "node mask size /\(node) does not fit the cluster range /\(cluster)"
        case .exhausted(let cidr): "no node CIDR left in \(cidr)"
        case .outOfRange(let cidr): "\(cidr) is not a node range of the cluster CIDR"
        }
    }
}

/// Cuts fixed-size node ranges (`/24`) out of the cluster pod range (`10.42.0.0/16`), never
/// handing out one twice: a plain value the node IPAM controller keeps behind a lock.
public struct CIDRAllocator: Sendable, Hashable {
    /// The cluster range's network address.
    public let base: UInt32
    /// The cluster range's prefix length.
    public let clusterPrefix: Int
    /// Each node range's prefix length.
    public let nodePrefix: Int
    private var used: Set<UInt32> = []
    private var next: UInt32 = 0

    /// Creates an allocator over `clusterCIDR`, with ranges of prefix `nodeMaskSize`.
    ///
    /// - Throws: ``CIDRAllocatorError/invalidCIDR(_:)`` or ``CIDRAllocatorError/invalidMaskSize(cluster:node:)``.
    public init(clusterCIDR: String, nodeMaskSize: Int) throws(CIDRAllocatorError) {
        let (address, prefix) = try Self.parse(clusterCIDR)
        guard nodeMaskSize >= prefix, nodeMaskSize <= 32, nodeMaskSize - prefix <= 24 else {
            throw .invalidMaskSize(cluster: prefix, node: nodeMaskSize)
        }
        self.clusterPrefix = prefix
        self.nodePrefix = nodeMaskSize
        self.base = prefix == 0 ? 0 : address & ~(UInt32.max >> UInt32(prefix))
    }

    /// An allocator with no room (stands in when the configuration is invalid).
    init(emptyAt base: UInt32) {
        self.base = base
        self.clusterPrefix = 32
        self.nodePrefix = 32
        self.used = [0]
    }

    /// How many node ranges the cluster range holds.
    public var capacity: Int { 1 << (nodePrefix - clusterPrefix) }
    /// How many are taken.
    public var allocatedCount: Int { used.count }

    /// Takes the next free range.
    ///
    /// - Throws: ``CIDRAllocatorError/exhausted(_:)`` when none is left.
    public mutating func allocate() throws(CIDRAllocatorError) -> String {
        let count = UInt32(capacity)
        for step in 0..<count {
            let index = (next &+ step) % count
            if !used.contains(index) {
                used.insert(index)
                next = (index + 1) % count
                return format(index)
            }
        }
        throw .exhausted(Self.format(address: base, prefix: clusterPrefix))
    }

    /// Marks `cidr` taken (a range a node already has). Returns `false` when it already was.
    ///
    /// - Throws: when `cidr` is malformed or not a node range of the cluster range.
    @discardableResult
    public mutating func occupy(_ cidr: String) throws(CIDRAllocatorError) -> Bool {
        used.insert(try index(of: cidr)).inserted
    }

    /// Frees `cidr` (its node is gone).
    ///
    /// - Throws: when `cidr` is malformed or not a node range of the cluster range.
    public mutating func release(_ cidr: String) throws(CIDRAllocatorError) {
        used.remove(try index(of: cidr))
    }

    /// Whether `cidr` is taken.
    public func isAllocated(_ cidr: String) -> Bool {
        guard let index = try? index(of: cidr) else { return false }
        return used.contains(index)
    }

    func index(of cidr: String) throws(CIDRAllocatorError) -> UInt32 {
        let (address, prefix) = try Self.parse(cidr)
        guard prefix == nodePrefix else { throw .outOfRange(cidr) }
        let shift = UInt32(32 - nodePrefix)
        let offset = address &- base
        guard address >= base, (offset >> shift) < UInt32(capacity), offset & ((shift == 32 ? 0 : (1 << shift)) &- 1) == 0 else {
            throw .outOfRange(cidr)
        }
        return offset >> shift
    }

    func format(_ index: UInt32) -> String {
        Self.format(address: base &+ (index << UInt32(32 - nodePrefix)), prefix: nodePrefix)
    }

    static func format(address: UInt32, prefix: Int) -> String {
        "\(address >> 24).\((address >> 16) & 0xff).\((address >> 8) & 0xff).\(address & 0xff)/\(prefix)"
    }

    static func parse(_ text: String) throws(CIDRAllocatorError) -> (UInt32, Int) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix) else { throw .invalidCIDR(text) }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { throw .invalidCIDR(text) }
        var address: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let value = UInt32(octet), value <= 255 else { throw .invalidCIDR(text) }
            address = address << 8 | value
        }
        return (address, prefix)
    }
}
