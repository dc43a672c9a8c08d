/// The two messages of `grpc.health.v1.Health/Check` in gRPC's length-prefixed framing, encoded
/// and decoded by hand (each has one field).
enum GRPCHealthCodec {
    /// A framed `HealthCheckRequest { string service = 1; }`.
    static func request(service: String) -> [UInt8] {
        var message: [UInt8] = []
        if !service.isEmpty {
            message.append(0x0A)
            message += varint(UInt64(service.utf8.count))
            message += Array(service.utf8)
        }
        let length = UInt32(message.count)
        return [0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + message
    }

    /// `HealthCheckResponse.status` (field 1, varint) from a framed response; 0 (UNKNOWN) when
    /// absent, `nil` when the frame is malformed.
    static func servingStatus(fromResponse frame: [UInt8]) -> Int? {
        guard frame.count >= 5, frame[0] == 0 else { return nil }
        let length = Int(frame[1]) << 24 | Int(frame[2]) << 16 | Int(frame[3]) << 8 | Int(frame[4])
        guard frame.count >= 5 + length else { return nil }
        var bytes = frame[5..<(5 + length)]
        var status = 0
        while let key = readVarint(&bytes) {
            let field = key >> 3
            switch key & 7 {
            case 0:
                guard let value = readVarint(&bytes) else { return nil }
                if field == 1 { status = Int(value) }
            case 1:
                guard bytes.count >= 8 else { return nil }
                bytes = bytes.dropFirst(8)
            case 2:
                guard let size = readVarint(&bytes), bytes.count >= Int(size) else { return nil }
                bytes = bytes.dropFirst(Int(size))
            case 5:
                guard bytes.count >= 4 else { return nil }
                bytes = bytes.dropFirst(4)
            default:
                return nil
            }
        }
        return status
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
        return bytes
    }

    private static func readVarint(_ bytes: inout ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.popFirst() {
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
            if shift > 63 { return nil }
        }
        return nil
    }
}
