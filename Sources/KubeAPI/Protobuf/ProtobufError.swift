/// Why a protobuf document could not be read or written.
public enum ProtobufError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input ended inside a tag, varint, fixed-width value or length-delimited field.
    case truncated(offset: Int)
    /// A varint ran past ten bytes or overflowed 64 bits.
    case malformedVarint(offset: Int)
    /// A length-delimited field declares more bytes than remain in its enclosing message.
    case lengthOutOfBounds(offset: Int, length: UInt64)
    /// A tag with field number 0 or a wire type this format does not use (groups, 6, 7).
    case invalidTag(offset: Int, tag: UInt64)
    /// A field's wire type does not fit its schema type.
    case wireTypeMismatch(path: String, wireType: Int)
    /// Messages nest deeper than the limit.
    case depthLimitExceeded(limit: Int)
    /// The body does not start with the `k8s\0` magic.
    case missingMagic
    /// The envelope (`runtime.Unknown`) has no `apiVersion` or `kind`.
    case missingTypeMeta
    /// The envelope's content is not a raw protobuf message (a content encoding or type is set).
    case unsupportedContent(String)
    /// No protobuf schema is known for this kind.
    case unknownKind(apiVersion: String, kind: String)
    /// A JSON value does not have the type the field needs.
    case typeMismatch(path: String, expected: String)
    /// A string field holds bytes that are not UTF-8.
    case invalidUTF8(path: String)
    /// A `bytes` field's JSON value is not valid base64.
    case invalidBase64(path: String)
    /// A time, duration or embedded JSON value does not parse.
    case invalidValue(path: String, message: String)
    /// A watch frame is shorter than its length prefix or larger than the limit.
    case invalidFrame(String)

    /// A one-line explanation.
    public var description: String {
        switch self {
        case .truncated(let offset): return "protobuf: unexpected end of data at byte \(offset)"
        case .malformedVarint(let offset): return "protobuf: malformed varint at byte \(offset)"
        case .lengthOutOfBounds(let offset, let length): return "protobuf: length \(length) at byte \(offset) runs past the end of the message"
        case .invalidTag(let offset, let tag): return "protobuf: invalid tag \(tag) at byte \(offset)"
        case .wireTypeMismatch(let path, let wireType): return "protobuf: field \(path) has unexpected wire type \(wireType)"
        case .depthLimitExceeded(let limit): return "protobuf: messages nest deeper than \(limit) levels"
        case .missingMagic: return "protobuf: the body does not start with the k8s protobuf magic"
        case .missingTypeMeta: return "protobuf: the object has no apiVersion or kind"
        case .unsupportedContent(let what): return "protobuf: unsupported envelope content \(what)"
        case .unknownKind(let apiVersion, let kind): return "protobuf: no protobuf schema for \(apiVersion), Kind=\(kind)"
        case .typeMismatch(let path, let expected): return "protobuf: \(path) must be \(expected)"
        case .invalidUTF8(let path): return "protobuf: \(path) is not valid UTF-8"
        case .invalidBase64(let path): return "protobuf: \(path) is not valid base64"
        case .invalidValue(let path, let message): return "protobuf: \(path): \(message)"
        case .invalidFrame(let message): return "protobuf: invalid watch frame: \(message)"
        }
    }
}
