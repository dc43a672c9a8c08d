/// An IP network in CIDR notation: an address and how many of its leading bits name the
/// network (`10.42.0.0/16`, `fd00:42::/56`). The one prefix type every module shares.
///
/// The address is kept as written, host bits included, as Go's `netip.Prefix` keeps it:
/// ``network`` and ``masked`` clear them, ``isMasked`` tells whether there were any. Callers
/// that take a range from a user (`--service-cidr`, a pod CIDR handed to the runtime) mask it,
/// as Go's `net.ParseCIDR` does; callers that compare ranges they handed out (node IPAM's
/// `podCIDR`s) require ``isMasked``.
///
/// Offsets and indexes are `UInt128`, so every computation fits both families. Prefixes order
/// by address, then by length. `Codable` as its text.
public struct IPPrefix: Sendable, Hashable {
    /// Why text or parts do not make a prefix.
    public typealias ParseError = IPParseError

    /// The address as written (host bits may be set).
    public let address: IPAddress
    /// The number of leading network bits: 0 to 32 for IPv4, 0 to 128 for IPv6.
    public let length: Int

    /// A prefix from an address and a length.
    ///
    /// - Throws: ``ParseError`` when `length` is outside `0...address.bitWidth`.
    public init(address: IPAddress, length: Int) throws(ParseError) {
        guard (0...address.bitWidth).contains(length) else {
            throw ParseError(.prefix, text: "\(address)/\(length)", reason: Self.lengthRule(address.bitWidth))
        }
        self.init(unchecked: address, length: length)
    }

    /// A prefix whose length the caller knows to be valid.
    init(unchecked address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }

    /// Parses `ADDRESS/LENGTH`, the address as ``IPAddress/init(parsing:syntax:)`` does and
    /// the length as decimal digits (without leading zeros in the strict syntax). Host bits
    /// are kept.
    ///
    /// - Throws: ``ParseError`` naming the part that is wrong.
    public init(parsing text: some StringProtocol, syntax: IPAddress.Syntax = .strict) throws(ParseError) {
        let bytes = Array(text.utf8)[...]
        let parser = IPAddressParser(syntax: syntax)
        guard let slash = bytes.firstIndex(of: UInt8(ascii: "/")) else {
            throw ParseError(.prefix, text: String(text), reason: "expected ADDRESS/LENGTH, as in 10.42.0.0/16")
        }
        let address: IPAddress
        do {
            address = try parser.address(bytes[..<slash])
        } catch {
            let shown = String(decoding: bytes[..<slash], as: UTF8.self)
            throw ParseError(.prefix, text: String(text), reason: "\"\(shown)\" is not an IPv4 or IPv6 address: \(error.reason)")
        }
        guard let length = parser.prefixLength(bytes[(slash + 1)...], maximum: address.bitWidth) else {
            throw ParseError(.prefix, text: String(text), reason: Self.lengthRule(address.bitWidth))
        }
        self.init(unchecked: address, length: length)
    }

    /// Parses `ADDRESS/LENGTH` strictly; `nil` if the text is not a prefix.
    public init?(_ text: some StringProtocol) {
        guard let prefix = try? IPPrefix(parsing: text) else { return nil }
        self = prefix
    }

    static func lengthRule(_ bitWidth: Int) -> String {
        "the prefix length must be a number from 0 to \(bitWidth)"
    }

    /// The address family.
    public var family: IPAddress.Family { address.family }
    /// The number of host bits: the family's width minus ``length``.
    public var hostBitCount: Int { address.bitWidth - length }
    /// The host bits set: `0.0.255.255` for a /16.
    var hostMask: UInt128 { (UInt128(1) << UInt128(hostBitCount)) &- 1 }

    /// The first address: ``address`` with the host bits cleared.
    public var network: IPAddress { IPAddress(family: family, value: address.value & ~hostMask) }
    /// The last address: every host bit set (for IPv4, the broadcast address).
    public var lastAddress: IPAddress { IPAddress(family: family, value: address.value | hostMask) }
    /// The same prefix with the host bits cleared (`10.42.7.9/16` → `10.42.0.0/16`).
    public var masked: IPPrefix { IPPrefix(unchecked: network, length: length) }
    /// Whether no host bit is set, so ``address`` is the network address.
    public var isMasked: Bool { address.value & hostMask == 0 }

    /// Whether `address` lies in the network (never across families).
    public func contains(_ address: IPAddress) -> Bool {
        address.family == family && address.value & ~hostMask == network.value
    }

    /// Whether every address of `other` lies in this network.
    public func contains(_ other: IPPrefix) -> Bool {
        other.length >= length && contains(other.address)
    }

    /// Whether the two networks share an address (never across families).
    public func overlaps(_ other: IPPrefix) -> Bool {
        contains(other.network) || other.contains(network)
    }

    /// The address `offset` places after the network address, or `nil` past the last address.
    public func address(at offset: UInt128) -> IPAddress? {
        guard offset <= hostMask else { return nil }
        return IPAddress(family: family, value: network.value | offset)
    }

    /// How far `address` lies after the network address, or `nil` if it is outside the network.
    public func offset(of address: IPAddress) -> UInt128? {
        contains(address) ? address.value & hostMask : nil
    }
}

extension IPPrefix: Comparable {
    /// By address (IPv4 first), then by length.
    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        lhs.address != rhs.address ? lhs.address < rhs.address : lhs.length < rhs.length
    }
}

extension IPPrefix: CustomStringConvertible {
    /// `ADDRESS/LENGTH`, the address in its canonical form and as written (not masked).
    public var description: String { "\(address)/\(length)" }
}

extension IPPrefix: Codable {
    /// Decodes the strict text form.
    public init(from decoder: any Decoder) throws {
        self = try IPAddress.decodeText(from: decoder) { text throws(ParseError) in try IPPrefix(parsing: text) }
    }

    /// Encodes ``description``.
    public func encode(to encoder: any Encoder) throws {
        try description.encode(to: encoder)
    }
}
