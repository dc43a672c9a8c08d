import OrderedCollections

/// The Kubernetes protobuf encoding (`application/vnd.kubernetes.protobuf`) of the built-in
/// kinds, converted to and from ``JSONValue``.
///
/// A document is the magic `k8s\0` followed by a `runtime.Unknown` message: `typeMeta`
/// (`apiVersion`, `kind`), `raw` (the object's own message), `contentEncoding` and
/// `contentType`. Field numbers and types come from the generated ``ProtobufSchema`` table.
///
/// Conversion rules:
/// - Protobuf → JSON writes `apiVersion` and `kind` first, then the fields in proto order.
/// - Go writes non-pointer fields even when they hold their zero value, so a decoded message
///   carries `""` for every unset string. Those empty strings are dropped unless the OpenAPI
///   schema lists the property as `required`; booleans, numbers and empty messages are kept,
///   since they may be pointers whose zero value is meaningful (`replicas: 0`, `spec: {}`).
///   An empty `Time`/`MicroTime` message (Go's zero time) becomes an absent member.
/// - JSON → protobuf writes only members that are present and not `null`; members the schema
///   does not know are left out, as a Go decoder would drop them.
public enum KubernetesProtobuf {
    /// The media type of protobuf bodies.
    public static let mediaType = "application/vnd.kubernetes.protobuf"
    /// The media type of protobuf watch streams.
    public static let watchMediaType = "application/vnd.kubernetes.protobuf;stream=watch"
    /// The four bytes every protobuf document starts with.
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]
    /// The deepest message nesting accepted when decoding or encoding.
    public static let maximumDepth = 100
    /// The largest watch frame accepted by ``watchFrames(_:)``.
    public static let maximumFrameSize = 64 << 20

    /// Whether the kind has a protobuf form.
    public static func supports(apiVersion: String, kind: String) -> Bool {
        ProtobufMessageSchema.shared.message(apiVersion: apiVersion, kind: kind) != nil
    }

    /// Decodes a protobuf document into its JSON form.
    ///
    /// - Throws: ``ProtobufError`` for a missing magic or type information, an unknown kind, an
    ///   envelope with a content encoding, or any malformed wire data.
    public static func decode(_ bytes: [UInt8]) throws(ProtobufError) -> JSONValue {
        try ProtobufDecoder(schema: .shared).decodeEnvelope(bytes, depth: 0)
    }

    /// Encodes a JSON object of a built-in kind as a protobuf document; `apiVersion` and `kind`
    /// select the message.
    ///
    /// - Throws: ``ProtobufError/missingTypeMeta`` without `apiVersion`/`kind`,
    ///   ``ProtobufError/unknownKind(apiVersion:kind:)`` for a kind without a protobuf form,
    ///   ``ProtobufError/typeMismatch(path:expected:)`` and friends for values that do not fit.
    public static func encode(_ object: JSONValue) throws(ProtobufError) -> [UInt8] {
        try ProtobufEncoder(schema: .shared).encodeEnvelope(object, depth: 0)
    }

    /// One frame of a protobuf watch stream: a 4-byte big-endian length, then a
    /// `meta.v1.WatchEvent` message (`type`, and `object` whose `raw` holds the object's own
    /// protobuf document). As upstream's streaming serializer does, the event message itself
    /// carries no `k8s\0` envelope.
    public static func watchFrame(type: String, object: JSONValue) throws(ProtobufError) -> [UInt8] {
        let document = try encode(object)
        var raw = ProtobufWriter()
        raw.writeBytes(1, document)
        var event = ProtobufWriter()
        event.writeString(1, type)
        event.writeBytes(2, raw.bytes)
        let length = UInt32(event.bytes.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + event.bytes
    }

    /// Splits a protobuf watch stream into its event messages (without the length prefixes).
    ///
    /// - Throws: ``ProtobufError/invalidFrame(_:)`` for a truncated frame or one above
    ///   ``maximumFrameSize``.
    public static func watchFrames(_ stream: [UInt8]) throws(ProtobufError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var i = 0
        while i < stream.count {
            guard stream.count - i >= 4 else { throw .invalidFrame("truncated length prefix") }
            let length = Int(stream[i]) << 24 | Int(stream[i + 1]) << 16 | Int(stream[i + 2]) << 8 | Int(stream[i + 3])
            guard length <= maximumFrameSize else { throw .invalidFrame("frame of \(length) bytes is too large") }
            guard stream.count - i - 4 >= length else { throw .invalidFrame("frame shorter than its length prefix") }
            frames.append(Array(stream[(i + 4)..<(i + 4 + length)]))
            i += 4 + length
        }
        return frames
    }

    /// Decodes one watch event message (a frame without its length prefix) into its type and
    /// the JSON form of its object.
    public static func decodeWatchEvent(_ message: [UInt8]) throws(ProtobufError) -> (type: String, object: JSONValue) {
        var reader = ProtobufReader(message)
        var type = ""
        var document: [UInt8]?
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            switch (number, wire) {
            case (1, .lengthDelimited):
                let range = try reader.readLengthDelimited()
                guard let text = String(validating: message[range], as: UTF8.self) else { throw .invalidUTF8(path: "type") }
                type = text
            case (2, .lengthDelimited):
                let range = try reader.readLengthDelimited()
                var inner = ProtobufReader(message, range: range)
                while !inner.isAtEnd {
                    let (n, w) = try inner.readTag()
                    if n == 1, w == .lengthDelimited {
                        document = Array(message[try inner.readLengthDelimited()])
                    } else {
                        try inner.skip(w)
                    }
                }
            default:
                try reader.skip(wire)
            }
        }
        guard let document else { throw .invalidFrame("event without an object") }
        return (type, try decode(document))
    }

    /// The OpenAPI properties that have no field number, as `definition.property`: their values
    /// are not carried by the protobuf form.
    public static var propertiesWithoutFieldNumber: [String] {
        ProtobufMessageSchema.shared.unnumbered
    }
}
