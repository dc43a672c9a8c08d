import KubeAPI

/// Why a CIDR could not be handed out or taken.
public enum CIDRAllocatorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not a CIDR (`10.42.0.0/16`).
    case invalidCIDR(String)
    /// The per-node prefix is shorter than the cluster's, longer than the family allows, or
    /// cuts the cluster range into more than 2^24 ranges.
    case invalidMaskSize(cluster: Int, node: Int)
    /// Every node range is taken.
    case exhausted(String)
    /// The CIDR is not a node-sized range inside the cluster range.
    case outOfRange(String)

    /// A readable message.
    public var description: String {
        switch self {
        case .invalidCIDR(let text): "invalid CIDR \"\(text)\""
        case .invalidMaskSize(let cluster, let node): "node mask size /\(node) does not fit the cluster range /\(cluster)"
        case .exhausted(let cidr): "no node CIDR left in \(cidr)"
        case .outOfRange(let cidr): "\(cidr) is not a node range of the cluster CIDR"
        }
    }
}

/// Cuts fixed-size node ranges (`/24`) out of the cluster pod range (`10.42.0.0/16`), never
/// handing out one twice: a plain value the node IPAM controller keeps behind a lock. Ranges
/// are tracked by their index among the cluster range's subnets of the node size.
public struct CIDRAllocator: Sendable, Hashable {
    /// The cluster range, host bits cleared.
    public let clusterCIDR: IPPrefix
    /// Each node range's prefix length.
    public let nodeMaskSize: Int
    private var used: Set<UInt32> = []
    private var next: UInt32 = 0

    /// The most node ranges one cluster range is cut into.
    static let maximumCapacity = 1 << 24

    /// Creates an allocator over `clusterCIDR` (host bits are cleared), with ranges of prefix
    /// `nodeMaskSize`.
    ///
    /// - Throws: ``CIDRAllocatorError/invalidCIDR(_:)`` or ``CIDRAllocatorError/invalidMaskSize(cluster:node:)``.
    public init(clusterCIDR: String, nodeMaskSize: Int) throws(CIDRAllocatorError) {
        guard let prefix = IPPrefix(clusterCIDR) else { throw .invalidCIDR(clusterCIDR) }
        try self.init(clusterCIDR: prefix, nodeMaskSize: nodeMaskSize)
    }

    /// Creates an allocator over `clusterCIDR` (host bits are cleared), with ranges of prefix
    /// `nodeMaskSize`.
    ///
    /// - Throws: ``CIDRAllocatorError/invalidMaskSize(cluster:node:)``.
    public init(clusterCIDR: IPPrefix, nodeMaskSize: Int) throws(CIDRAllocatorError) {
        guard let count = clusterCIDR.subnetCount(length: nodeMaskSize), count <= Self.maximumCapacity else {
            throw .invalidMaskSize(cluster: clusterCIDR.length, node: nodeMaskSize)
        }
        self.clusterCIDR = clusterCIDR.masked
        self.nodeMaskSize = nodeMaskSize
    }

    /// An allocator with no room (stands in when the configuration is invalid).
    init() {
        self.clusterCIDR = try! IPPrefix(address: .ipv4Unspecified, length: 32)
        self.nodeMaskSize = 32
        self.used = [0]
    }

    /// How many node ranges the cluster range holds.
    public var capacity: Int { Int(clusterCIDR.subnetCount(length: nodeMaskSize) ?? 0) }
    /// How many are taken.
    public var allocatedCount: Int { used.count }

    /// Takes the next free range.
    ///
    /// - Throws: ``CIDRAllocatorError/exhausted(_:)`` when none is left.
    public mutating func allocate() throws(CIDRAllocatorError) -> String {
        let count = UInt32(capacity)
        for step in 0..<count {
            let index = (next &+ step) % count
            if !used.contains(index), let subnet = clusterCIDR.subnet(at: UInt128(index), length: nodeMaskSize) {
                used.insert(index)
                next = (index + 1) % count
                return subnet.description
            }
        }
        throw .exhausted(clusterCIDR.description)
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

    /// The index of a node range: it must be written as a network address (no host bits), have
    /// the node prefix length and lie in the cluster range.
    func index(of cidr: String) throws(CIDRAllocatorError) -> UInt32 {
        guard let prefix = IPPrefix(cidr) else { throw .invalidCIDR(cidr) }
        guard prefix.length == nodeMaskSize, let index = clusterCIDR.index(ofSubnet: prefix) else {
            throw .outOfRange(cidr)
        }
        return UInt32(index)
    }
}
