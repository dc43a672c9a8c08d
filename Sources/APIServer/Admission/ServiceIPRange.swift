import KubeAPI

/// The network Services take their cluster IPs from (`--service-cidr`, `10.43.0.0/16` by
/// default): which addresses the allocator hands out, as offsets from the network address, and
/// the two the control plane reserves.
///
/// The usable offsets start at 1. An IPv4 network never hands out its network or broadcast
/// address, an IPv6 network only skips its network address. Networks larger than
/// ``maximumSize`` use only their first ``maximumSize`` addresses, as upstream caps its
/// allocation bitmaps.
public struct ServiceIPRange: Sendable, Hashable, CustomStringConvertible {
    /// The service network, host bits cleared.
    public let prefix: IPPrefix
    /// The highest offset handed out.
    public let lastUsableOffset: UInt64

    /// The most addresses one range tracks.
    public static let maximumSize: UInt64 = 1 << 20
    /// The offset of the default cluster DNS address (`10.43.0.10`).
    public static let dnsServiceOffset: UInt64 = 10
    /// `10.43.0.0/16`, K3s's default.
    public static let `default` = try! ServiceIPRange(IPPrefix(parsing: "10.43.0.0/16"))

    /// Why a network cannot hold services.
    public struct TooSmall: Error, Sendable, Hashable, CustomStringConvertible {
        /// The network that was refused.
        public var prefix: IPPrefix
        /// A readable message.
        public var description: String {
            "service CIDR \(prefix) is too small: it has no address to hand out besides its network and broadcast addresses"
        }
    }

    /// The range of a service network; host bits of `prefix` are cleared.
    ///
    /// - Throws: ``TooSmall`` when the network has no usable address (an IPv4 /31 or /32, an
    ///   IPv6 /128).
    public init(_ prefix: IPPrefix) throws(TooSmall) {
        let network = prefix.masked
        let capped = network.hostBitCount > 20
        let span = capped ? Self.maximumSize : UInt64(1) << UInt64(network.hostBitCount)
        let keepsBroadcast = network.family == .ipv6 || capped
        let last = keepsBroadcast ? span - 1 : (span >= 2 ? span - 2 : 0)
        guard last >= 1 else { throw TooSmall(prefix: prefix) }
        self.prefix = network
        self.lastUsableOffset = last
    }

    /// `IPv4` or `IPv6`.
    public var family: IPAddress.Family { prefix.family }

    /// The address `offset` places after the network address.
    ///
    /// - Precondition: `offset <= lastUsableOffset` (offsets come from the allocator).
    public func address(at offset: UInt64) -> IPAddress {
        precondition(offset <= lastUsableOffset, "offset \(offset) is outside the service range \(prefix)")
        return prefix.address(at: UInt128(offset))!
    }

    /// The offset of a usable address, or `nil` when `address` is of the other family, lies
    /// outside the network or beyond the tracked part, or is the network or broadcast address.
    public func offset(of address: IPAddress) -> UInt64? {
        guard let offset = prefix.offset(of: address), offset >= 1, offset <= UInt128(lastUsableOffset) else { return nil }
        return UInt64(offset)
    }

    /// The first usable address: the `kubernetes` Service's cluster IP (`10.43.0.1`).
    public var apiServerServiceIP: IPAddress { address(at: 1) }

    /// The tenth address: the default cluster DNS IP (`10.43.0.10`); `nil` when the network is
    /// too small to have one.
    public var dnsServiceIP: IPAddress? {
        lastUsableOffset >= Self.dnsServiceOffset ? address(at: Self.dnsServiceOffset) : nil
    }

    /// The network in CIDR notation.
    public var description: String { prefix.description }
}
