/// An Ethernet (EUI-48) address, as a VXLAN tunnel endpoint is known by (`VtepMAC`).
///
/// Text is six two-digit hex fields separated by colons; ``description`` is lower case.
/// `Codable` as its text.
public struct MACAddress: Sendable, Hashable {
    /// The six bytes, in transmission order.
    public let bytes: [UInt8]

    /// An address from exactly six bytes; `nil` for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (either letter case); `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard fields.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for field in fields {
            guard field.count == 2, let byte = UInt8(field, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    /// A locally administered unicast address that depends only on `seed`: the same seed gives
    /// the same address on every run, so a device re-created after a restart keeps the address
    /// its node already published.
    public static func stable(seed: String) -> MACAddress {
        // FNV-1a, 64 bits: enough spread for five bytes; no cryptographic claim.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        let tail = (0..<5).map { UInt8(truncatingIfNeeded: hash >> UInt64(8 * $0)) }
        // 0x0e: locally administered (bit 1), unicast (bit 0 clear).
        return MACAddress(bytes: [0x0E] + tail)!
    }
}

extension MACAddress: CustomStringConvertible {
    /// `aa:bb:cc:dd:ee:ff`, lower case.
    public var description: String {
        bytes.map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(separator: ":")
    }
}

extension MACAddress: Codable {
    /// Decodes the text form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let address = MACAddress(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\"\(text)\" is not a MAC address (aa:bb:cc:dd:ee:ff)")
        }
        self = address
    }

    /// Encodes ``description``.
    public func encode(to encoder: any Encoder) throws {
        try description.encode(to: encoder)
    }
}
