/// The network service cluster IPs come from (`--service-cidr`, `10.43.0.0/16` by default),
/// as a range of offsets from its network address.
public struct ServiceCIDR: Sendable, Hashable, CustomStringConvertible {
    /// Why a CIDR was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text as given.
        public var text: String
        public var description: String { "invalid service CIDR \"\(text)\": expected an IPv4 or IPv6 network such as 10.43.0.0/16 with room for at least one address" }
    }

    /// The network address, 4 or 16 bytes.
    public let network: [UInt8]
    /// The number of network bits.
    public let prefixLength: Int
    /// The most offsets tracked in one range (larger networks use only their first 2^20
    /// addresses, as upstream caps its bitmaps).
    public static let maximumSize: UInt64 = 1 << 20

    /// The default service network.
    public static let `default` = try! ServiceCIDR(parsing: "10.43.0.0/16")

    /// Parses `ADDRESS/PREFIX`; host bits are cleared. The network must hold at least one
    /// usable address besides the network (and, for IPv4, broadcast) address.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddressText.parse(parts[0]),
              parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(parts[1]),
              (0...address.count * 8).contains(length)
        else { throw ParseError(text: text) }
        var network = address
        for bit in length..<(address.count * 8) { network[bit / 8] &= ~(UInt8(0x80) >> UInt8(bit % 8)) }
        self.network = network
        self.prefixLength = length
        guard lastUsableOffset >= 1 else { throw ParseError(text: text) }
    }

    /// Whether the network is IPv6.
    public var isIPv6: Bool { network.count == 16 }

    /// `IPv4` or `IPv6`, the service `ipFamilies` value.
    public var family: String { isIPv6 ? "IPv6" : "IPv4" }

    /// The number of addresses the network spans, capped at ``maximumSize``.
    var span: UInt64 {
        let hostBits = network.count * 8 - prefixLength
        return hostBits >= 20 ? Self.maximumSize : UInt64(1) << UInt64(hostBits)
    }

    /// The highest usable offset: IPv4 skips the broadcast address (when the range is not
    /// capped), IPv6 uses the last one.
    public var lastUsableOffset: UInt64 {
        let capped = network.count * 8 - prefixLength > 20
        if isIPv6 || capped { return span - 1 }
        return span >= 2 ? span - 2 : 0
    }

    /// The address at `offset` from the network address, as text.
    public func address(at offset: UInt64) -> String {
        var bytes = network
        var carry = offset
        var index = bytes.count - 1
        while carry > 0 && index >= 0 {
            let sum = UInt64(bytes[index]) + (carry & 0xFF)
            bytes[index] = UInt8(sum & 0xFF)
            carry = (carry >> 8) + (sum >> 8)
            index -= 1
        }
        return IPAddressText.format(bytes)
    }

    /// The offset of an address inside the usable range, or `nil` when it is not an address of
    /// this family, lies outside the network, or is the network or broadcast address.
    public func offset(of text: String) -> UInt64? {
        guard let bytes = IPAddressText.parse(Substring(text)), bytes.count == network.count else { return nil }
        // Same network bits?
        for bit in 0..<prefixLength where (bytes[bit / 8] ^ network[bit / 8]) & (UInt8(0x80) >> UInt8(bit % 8)) != 0 {
            return nil
        }
        var offset: UInt64 = 0
        let hostBits = network.count * 8 - prefixLength
        for bit in prefixLength..<(network.count * 8) {
            let set = bytes[bit / 8] & (UInt8(0x80) >> UInt8(bit % 8)) != 0
            let position = network.count * 8 - 1 - bit
            if set {
                guard position < 20 || hostBits <= 20 else { return nil }
                offset |= UInt64(1) << UInt64(position)
            }
        }
        guard offset >= 1, offset <= lastUsableOffset else { return nil }
        return offset
    }

    public var description: String { "\(IPAddressText.format(network))/\(prefixLength)" }
}

/// Parsing and canonical formatting of IPv4 and IPv6 addresses.
enum IPAddressText {
    /// The bytes of a dotted-quad IPv4 or an IPv6 address (4 or 16 bytes), or `nil`.
    static func parse(_ text: Substring) -> [UInt8]? {
        if text.contains(":") { return parseIPv6(text) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.hasPrefix("0")), let value = UInt8(part)
            else { return nil }
            bytes.append(value)
        }
        return bytes
    }

    static func parseIPv6(_ text: Substring) -> [UInt8]? {
        let halves = text.splitting(on: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count < 8 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// Dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed).
    static func format(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8 && groups[end] == 0 { end += 1 }
                if end - index > bestLength && end - index > 1 { bestStart = index; bestLength = end - index }
                index = end
            } else {
                index += 1
            }
        }
        let hex = groups.map { String($0, radix: 16) }
        if bestStart < 0 { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}

extension Substring {
    /// Splits on a multi-character separator.
    func splitting(on separator: String) -> [String] {
        var result: [String] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}
