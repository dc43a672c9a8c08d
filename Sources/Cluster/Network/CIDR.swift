/// A network in CIDR notation (`10.43.0.0/16`, `fd00:43::/112`).
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    /// The network address (host bits cleared).
    public let network: IPAddress
    /// The number of leading network bits.
    public let prefixLength: Int

    /// Why a CIDR string was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text as given.
        public var text: String
        /// What is wrong with it.
        public var reason: String
        public var description: String { "invalid CIDR \"\(text)\": \(reason)" }
    }

    /// Parses `ADDRESS/PREFIX`. Host bits after the prefix are cleared, as Go's
    /// `net.ParseCIDR` does, so `10.43.0.1/16` names the network `10.43.0.0/16`.
    public init(parsing text: some StringProtocol) throws(ParseError) {
        let text = String(text)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ParseError(text: text, reason: "expected ADDRESS/PREFIX-LENGTH, as in 10.43.0.0/16")
        }
        guard let address = IPAddress(parts[0]) else {
            throw ParseError(text: text, reason: "\"\(parts[0])\" is not an IPv4 or IPv6 address")
        }
        let maxLength = address.bitWidth
        guard parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(parts[1]),
              (0...maxLength).contains(length)
        else {
            throw ParseError(text: text, reason: "the prefix length must be a number from 0 to \(maxLength)")
        }
        self.network = address.masked(to: length)
        self.prefixLength = length
    }

    /// Creates a CIDR from a network address, clearing host bits.
    public init(network: IPAddress, prefixLength: Int) {
        precondition((0...network.bitWidth).contains(prefixLength), "prefix length out of range")
        self.network = network.masked(to: prefixLength)
        self.prefixLength = prefixLength
    }

    /// Whether `address` lies inside this network (always false across address families).
    public func contains(_ address: IPAddress) -> Bool {
        switch (network, address) {
        case (.v4, .v4), (.v6, .v6): return address.masked(to: prefixLength) == network
        default: return false
        }
    }

    /// The address `offset` places after the network address, or `nil` if that leaves the
    /// network.
    public func address(at offset: UInt64) -> IPAddress? {
        let hostBits = network.bitWidth - prefixLength
        if hostBits < 64, offset >> UInt64(hostBits) != 0 { return nil }
        let result: IPAddress
        switch network {
        case .v4(let a):
            guard offset <= UInt64(UInt32.max - a.value) else { return nil }
            result = .v4(IPv4Address(value: a.value + UInt32(offset)))
        case .v6(let a):
            let (low, overflow) = a.low.addingReportingOverflow(offset)
            result = .v6(IPv6Address(high: overflow ? a.high &+ 1 : a.high, low: low))
        }
        return contains(result) ? result : nil
    }

    public var description: String { "\(network)/\(prefixLength)" }
}

extension IPAddress {
    /// 32 for IPv4, 128 for IPv6.
    public var bitWidth: Int {
        switch self {
        case .v4: return 32
        case .v6: return 128
        }
    }

    /// The address with every bit after the first `length` cleared.
    func masked(to length: Int) -> IPAddress {
        switch self {
        case .v4(let a):
            let mask: UInt32 = length == 0 ? 0 : UInt32.max << UInt32(32 - length)
            return .v4(IPv4Address(value: a.value & mask))
        case .v6(let a):
            func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : UInt64.max << UInt64(64 - bits) }
            return .v6(IPv6Address(high: a.high & mask(length), low: a.low & mask(length - 64)))
        }
    }
}
