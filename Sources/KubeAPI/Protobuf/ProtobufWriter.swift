/// Appends the protobuf wire format to a byte buffer.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func writeTag(_ number: Int, _ wire: ProtobufReader.WireType) {
        writeVarint(UInt64(number) << 3 | UInt64(wire.rawValue))
    }

    mutating func writeFixed64(_ value: UInt64) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }

    mutating func writeFixed32(_ value: UInt32) {
        for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt32(i)))) }
    }

    /// A length-delimited field holding `content`.
    mutating func writeBytes(_ number: Int, _ content: [UInt8]) {
        writeTag(number, .lengthDelimited)
        writeVarint(UInt64(content.count))
        bytes.append(contentsOf: content)
    }

    mutating func writeString(_ number: Int, _ value: String) {
        writeBytes(number, Array(value.utf8))
    }

    mutating func writeVarintField(_ number: Int, _ value: UInt64) {
        writeTag(number, .varint)
        writeVarint(value)
    }
}
