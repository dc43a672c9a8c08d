/// Reads the protobuf wire format from a byte buffer, checking every length against the bytes
/// that remain, so malformed input yields a ``ProtobufError`` and never a crash or an
/// allocation sized by the input's claims.
struct ProtobufReader {
    /// Wire types.
    enum WireType: Int {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int

    /// A reader over `bytes[range]`.
    init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        self.position = range?.lowerBound ?? 0
        self.end = range?.upperBound ?? bytes.count
    }

    var isAtEnd: Bool { position >= end }

    mutating func readVarint() throws(ProtobufError) -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw .truncated(offset: position) }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw .malformedVarint(offset: start) }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw .malformedVarint(offset: start) }
        }
    }

    /// The next field's number and wire type.
    mutating func readTag() throws(ProtobufError) -> (number: Int, wireType: WireType) {
        let start = position
        let tag = try readVarint()
        let number = tag >> 3
        guard number > 0, number <= 536_870_911, let wire = WireType(rawValue: Int(tag & 7)) else {
            throw .invalidTag(offset: start, tag: tag)
        }
        return (Int(number), wire)
    }

    mutating func readFixed64() throws(ProtobufError) -> UInt64 {
        guard end - position >= 8 else { throw .truncated(offset: position) }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return value
    }

    mutating func readFixed32() throws(ProtobufError) -> UInt32 {
        guard end - position >= 4 else { throw .truncated(offset: position) }
        var value: UInt32 = 0
        for i in 0..<4 { value |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return value
    }

    /// The range of a length-delimited field's content; the reader moves past it.
    mutating func readLengthDelimited() throws(ProtobufError) -> Range<Int> {
        let start = position
        let length = try readVarint()
        guard length <= UInt64(end - position) else { throw .lengthOutOfBounds(offset: start, length: length) }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    /// Skips a field's value.
    mutating func skip(_ wire: WireType) throws(ProtobufError) {
        switch wire {
        case .varint: _ = try readVarint()
        case .fixed64: _ = try readFixed64()
        case .fixed32: _ = try readFixed32()
        case .lengthDelimited: _ = try readLengthDelimited()
        }
    }
}
