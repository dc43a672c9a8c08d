/// An IPv4 or IPv6 address: the one address type every module shares.
///
/// Text is parsed strictly by default (``init(_:)``, ``init(parsing:syntax:)``): IPv4 as four
/// decimal fields without leading zeros, IPv6 as RFC 4291 text (one `::` at most, an embedded
/// IPv4 address only at the end, no zone). ``description`` is the canonical form: dotted
/// decimal for IPv4, RFC 5952 for IPv6 (lower case, no leading zeros, the longest run of two or
/// more zero groups written `::`, IPv4-mapped addresses as `::ffff:1.2.3.4`).
///
/// Addresses order IPv4 before IPv6, then numerically. `Codable` as its canonical text.
public struct IPAddress: Sendable, Hashable {
    /// The two address families, spelled as the Kubernetes API spells them (`ipFamilies`).
    public enum Family: String, Sendable, Hashable, CaseIterable, Codable {
        /// 32-bit addresses.
        case ipv4 = "IPv4"
        /// 128-bit addresses.
        case ipv6 = "IPv6"

        /// The number of bits in an address: 32 or 128.
        public var bitWidth: Int { self == .ipv4 ? 32 : 128 }
    }

    /// The address family.
    public let family: Family
    /// The address as an unsigned integer (`10.0.0.1` is `0x0A00_0001`); an IPv4 address uses
    /// the low 32 bits.
    public let value: UInt128

    /// An IPv4 address from its 32-bit value.
    public init(ipv4 value: UInt32) {
        self.family = .ipv4
        self.value = UInt128(value)
    }

    /// An IPv6 address from its 128-bit value.
    public init(ipv6 value: UInt128) {
        self.family = .ipv6
        self.value = value
    }

    /// An address of `family` whose value the caller knows to fit the family's width.
    init(family: Family, value: UInt128) {
        self.family = family
        self.value = value
    }

    /// `0.0.0.0`.
    public static let ipv4Unspecified = IPAddress(ipv4: 0)
    /// `127.0.0.1`.
    public static let ipv4Loopback = IPAddress(ipv4: 0x7F00_0001)
    /// `::`.
    public static let ipv6Unspecified = IPAddress(ipv6: 0)
    /// `::1`.
    public static let ipv6Loopback = IPAddress(ipv6: 1)

    /// 32 for IPv4, 128 for IPv6.
    public var bitWidth: Int { family.bitWidth }

    /// The largest value an address of this family can have.
    var maximumValue: UInt128 { family == .ipv4 ? UInt128(UInt32.max) : .max }

    /// The address in network byte order: 4 or 16 bytes, as X.509 stores it in a SAN.
    public var bytes: [UInt8] {
        let count = bitWidth / 8
        return (0..<count).map { UInt8(truncatingIfNeeded: value >> UInt128(8 * (count - 1 - $0))) }
    }

    /// An address from 4 (IPv4) or 16 (IPv6) network-order bytes; `nil` for any other count.
    public init?(bytes: some Collection<UInt8>) {
        let value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        switch bytes.count {
        case 4: self.init(family: .ipv4, value: value)
        case 16: self.init(family: .ipv6, value: value)
        default: return nil
        }
    }

    /// Whether this is a loopback address (`127.0.0.0/8` or `::1`).
    public var isLoopback: Bool {
        family == .ipv4 ? value >> 24 == 127 : value == 1
    }

    /// Whether this is the unspecified address (`0.0.0.0` or `::`).
    public var isUnspecified: Bool { value == 0 }

    /// Whether this is an IPv4-mapped IPv6 address (`::ffff:0:0/96`).
    public var isIPv4Mapped: Bool { family == .ipv6 && value >> 32 == 0xFFFF }

    /// The address `offset` places further on, or `nil` past the last address of the family.
    public func advanced(by offset: UInt128) -> IPAddress? {
        let (sum, overflow) = value.addingReportingOverflow(offset)
        guard !overflow, sum <= maximumValue else { return nil }
        return IPAddress(family: family, value: sum)
    }
}

extension IPAddress: Comparable {
    /// IPv4 before IPv6, then by value.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        lhs.family != rhs.family ? lhs.family == .ipv4 : lhs.value < rhs.value
    }
}

extension IPAddress: CustomStringConvertible {
    /// The canonical text: dotted decimal, or RFC 5952 IPv6.
    public var description: String {
        switch family {
        case .ipv4: return Self.dottedDecimal(UInt32(truncatingIfNeeded: value))
        case .ipv6: return isIPv4Mapped ? "::ffff:" + Self.dottedDecimal(UInt32(truncatingIfNeeded: value)) : ipv6Text
        }
    }

    static func dottedDecimal(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
    }

    /// Eight hex groups with the longest run (two or more, the first on a tie) of zero groups
    /// shortened to `::`.
    private var ipv6Text: String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(112 - 16 * $0)) }
        var bestStart = 0, bestLength = 0, index = 0
        while index < 8 {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            var end = index
            while end < 8, groups[end] == 0 { end += 1 }
            if end - index > bestLength {
                bestStart = index
                bestLength = end - index
            }
            index = end
        }
        func hex(_ slice: ArraySlice<UInt16>) -> String {
            slice.map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestLength >= 2 else { return hex(groups[...]) }
        return hex(groups[..<bestStart]) + "::" + hex(groups[(bestStart + bestLength)...])
    }
}

extension IPAddress: Codable {
    /// Decodes the strict text form.
    public init(from decoder: any Decoder) throws {
        self = try Self.decodeText(from: decoder) { text throws(ParseError) in try IPAddress(parsing: text) }
    }

    /// Encodes the canonical text.
    public func encode(to encoder: any Encoder) throws {
        try description.encode(to: encoder)
    }

    /// Decodes a string and parses it, turning a parse error into `DecodingError.dataCorrupted`
    /// with the parser's message (shared by the network types).
    static func decodeText<Value, Failure: Error & CustomStringConvertible>(
        from decoder: any Decoder, _ parse: (String) throws(Failure) -> Value
    ) throws -> Value {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            return try parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
}
