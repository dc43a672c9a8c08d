/// An IPv4 or IPv6 address, parsed from its usual text form without Foundation.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// A 32-bit IPv4 address.
    case v4(IPv4Address)
    /// A 128-bit IPv6 address.
    case v6(IPv6Address)

    /// Parses dotted-quad IPv4 (`10.43.0.1`) or IPv6 (`fd00::1`, `::ffff:1.2.3.4`); `nil` if
    /// the text is neither.
    public init?(_ text: some StringProtocol) {
        if let v4 = IPv4Address(text) {
            self = .v4(v4)
        } else if let v6 = IPv6Address(text) {
            self = .v6(v6)
        } else {
            return nil
        }
    }

    /// The address in network byte order (4 or 16 bytes), as X.509 stores it in a SAN.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return a.bytes
        case .v6(let a): return a.bytes
        }
    }

    /// Builds an address from 4 or 16 network-order bytes; `nil` for any other length.
    public init?(bytes: some Collection<UInt8>) {
        let array = Array(bytes)
        switch array.count {
        case 4: self = .v4(IPv4Address(bytes: array))
        case 16: self = .v6(IPv6Address(bytes: array))
        default: return nil
        }
    }

    /// Whether this is a loopback address (127.0.0.0/8 or ::1).
    public var isLoopback: Bool {
        switch self {
        case .v4(let a): return a.value >> 24 == 127
        case .v6(let a): return a == IPv6Address.loopback
        }
    }

    /// Whether this is the unspecified address (`0.0.0.0` or `::`).
    public var isUnspecified: Bool {
        switch self {
        case .v4(let a): return a.value == 0
        case .v6(let a): return a.high == 0 && a.low == 0
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): return a.description
        case .v6(let a): return a.description
        }
    }
}

/// An IPv4 address held as a host-order 32-bit integer.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The address as an integer (`10.0.0.1` is `0x0A000001`).
    public var value: UInt32

    /// Wraps an integer.
    public init(value: UInt32) { self.value = value }

    /// Builds an address from four network-order bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 4, "an IPv4 address has 4 bytes")
        value = bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Parses a dotted quad; each part is 0-255 in decimal without leading zeros (as Go's
    /// parser requires, so `010.0.0.1` is refused rather than read as octal or decimal).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"),
                  let octet = UInt8(part)
            else { return nil }
            result = result << 8 | UInt32(octet)
        }
        value = result
    }

    /// The four network-order bytes.
    public var bytes: [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public var description: String { bytes.map { String($0) }.joined(separator: ".") }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }
}

/// An IPv6 address held as two host-order 64-bit halves.
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The first (most significant) 64 bits.
    public var high: UInt64
    /// The last 64 bits.
    public var low: UInt64

    /// `::1`.
    public static let loopback = IPv6Address(high: 0, low: 1)

    /// Wraps the two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Builds an address from sixteen network-order bytes.
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Parses the RFC 4291 text forms: eight hex groups, `::` for one run of zero groups, and
    /// an optional trailing dotted quad. Zone suffixes (`%eth0`) are refused.
    public init?(_ text: some StringProtocol) {
        let text = String(text)
        guard text.contains(":"), !text.contains("%") else { return nil }
        let halves = text.components(separatedByString: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String, allowTrailingIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (index, piece) in pieces.enumerated() {
                if index == pieces.count - 1, allowTrailingIPv4, piece.contains(".") {
                    guard let v4 = IPv4Address(piece) else { return nil }
                    result.append(UInt16(v4.value >> 16))
                    result.append(UInt16(v4.value & 0xFFFF))
                    continue
                }
                guard (1...4).contains(piece.count), piece.allSatisfy(\.isHexDigit),
                      let group = UInt16(piece, radix: 16)
                else { return nil }
                result.append(group)
            }
            return result
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let head = groups(halves[0], allowTrailingIPv4: false),
                  let tail = groups(halves[1], allowTrailingIPv4: true),
                  head.count + tail.count <= 7
            else { return nil }
            all = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let only = groups(halves[0], allowTrailingIPv4: true), only.count == 8 else { return nil }
            all = only
        }
        high = all[0..<4].reduce(0) { $0 << 16 | UInt64($1) }
        low = all[4..<8].reduce(0) { $0 << 16 | UInt64($1) }
    }

    /// The sixteen network-order bytes.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64($0))) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64($0))) }
    }

    /// The eight 16-bit groups.
    var groups: [UInt16] {
        (0..<4).map { UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64($0))) }
            + (0..<4).map { UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64($0))) }
    }

    /// The RFC 5952 canonical form: lower-case hex, the longest run (two or more) of zero
    /// groups shortened to `::`.
    public var description: String {
        let g = groups
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            if g[index] == 0 {
                var end = index
                while end < 8, g[end] == 0 { end += 1 }
                if end - index > bestLength, end - index >= 2 {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ slice: ArraySlice<UInt16>) -> String {
            slice.map { String($0, radix: 16) }.joined(separator: ":")
        }
        if bestStart < 0 { return hex(g[...]) }
        return hex(g[0..<bestStart]) + "::" + hex(g[(bestStart + bestLength)...])
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }
}

extension String {
    /// Splits on a multi-character separator, keeping empty pieces.
    func components(separatedByString separator: String) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}
