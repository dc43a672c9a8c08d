import OrderedCollections

/// Converts JSON to protobuf messages following a ``ProtobufMessageSchema``
/// (see ``KubernetesProtobuf`` for the rules).
struct ProtobufEncoder {
    let schema: ProtobufMessageSchema

    /// Encodes an object as a `k8s\0` + `runtime.Unknown` document.
    func encodeEnvelope(_ object: JSONValue, depth: Int) throws(ProtobufError) -> [UInt8] {
        guard let members = object.objectValue else { throw .typeMismatch(path: "<root>", expected: "an object") }
        guard let apiVersion = members["apiVersion"]?.stringValue, let kind = members["kind"]?.stringValue,
              !apiVersion.isEmpty, !kind.isEmpty
        else { throw .missingTypeMeta }
        guard let index = schema.message(apiVersion: apiVersion, kind: kind) else {
            throw .unknownKind(apiVersion: apiVersion, kind: kind)
        }
        let raw = try encodeMessage(index, members, depth: depth + 1, path: kind)
        var typeMeta = ProtobufWriter()
        typeMeta.writeString(1, apiVersion)
        typeMeta.writeString(2, kind)
        var unknown = ProtobufWriter()
        unknown.writeBytes(1, typeMeta.bytes)
        unknown.writeBytes(2, raw)
        unknown.writeString(3, "")
        unknown.writeString(4, "")
        return KubernetesProtobuf.magic + unknown.bytes
    }

    /// Encodes the members of a JSON object as a message, fields in proto order.
    func encodeMessage(_ index: Int, _ object: OrderedDictionary<String, JSONValue>, depth: Int, path: String) throws(ProtobufError) -> [UInt8] {
        guard depth <= KubernetesProtobuf.maximumDepth else { throw .depthLimitExceeded(limit: KubernetesProtobuf.maximumDepth) }
        let message = schema.messages[index]
        var writer = ProtobufWriter()
        for field in message.fields {
            if field.inline, case .message(let target) = field.type {
                let inner = try encodeMessage(target, object, depth: depth + 1, path: path)
                if !inner.isEmpty { writer.writeBytes(field.number, inner) }
                continue
            }
            guard let value = object[field.jsonName] else { continue }
            if case .null = value { continue }
            let fieldPath = path + "." + field.jsonName
            switch field.cardinality {
            case .single:
                try write(field.number, field.type, value, into: &writer, depth: depth, path: fieldPath)
            case .repeated:
                guard let items = value.arrayValue else { throw .typeMismatch(path: fieldPath, expected: "an array") }
                for (i, item) in items.enumerated() {
                    try write(field.number, field.type, item, into: &writer, depth: depth, path: "\(fieldPath)[\(i)]")
                }
            case .map:
                guard let entries = value.objectValue else { throw .typeMismatch(path: fieldPath, expected: "an object") }
                for (key, entryValue) in entries {
                    var entry = ProtobufWriter()
                    entry.writeString(1, key)
                    if case .null = entryValue {} else {
                        try write(2, field.type, entryValue, into: &entry, depth: depth, path: "\(fieldPath)[\(key)]")
                    }
                    writer.writeBytes(field.number, entry.bytes)
                }
            }
        }
        return writer.bytes
    }

    private func integer(_ value: JSONValue, path: String, range: ClosedRange<Int64>) throws(ProtobufError) -> Int64 {
        switch value {
        case .int(let v) where range.contains(v): return v
        case .double(let d) where d.rounded() == d && d >= Double(range.lowerBound) && d <= Double(range.upperBound): return Int64(d)
        default: throw .typeMismatch(path: path, expected: range.upperBound == Int64(Int32.max) ? "a 32-bit integer" : "an integer")
        }
    }

    private func write(_ number: Int, _ type: ProtobufMessageSchema.ValueType, _ value: JSONValue, into writer: inout ProtobufWriter, depth: Int, path: String) throws(ProtobufError) {
        func text() throws(ProtobufError) -> String {
            guard let s = value.stringValue else { throw .typeMismatch(path: path, expected: "a string") }
            return s
        }
        switch type {
        case .string:
            writer.writeString(number, try text())
        case .bytes:
            guard let data = try? Base64.decode(try text()) else { throw .invalidBase64(path: path) }
            writer.writeBytes(number, data)
        case .bool:
            guard let b = value.boolValue else { throw .typeMismatch(path: path, expected: "a boolean") }
            writer.writeVarintField(number, b ? 1 : 0)
        case .int32:
            writer.writeVarintField(number, UInt64(bitPattern: try integer(value, path: path, range: Int64(Int32.min)...Int64(Int32.max))))
        case .int64:
            writer.writeVarintField(number, UInt64(bitPattern: try integer(value, path: path, range: Int64.min...Int64.max)))
        case .double, .float:
            guard let d = value.doubleValue else { throw .typeMismatch(path: path, expected: "a number") }
            if type == .double {
                writer.writeTag(number, .fixed64)
                writer.writeFixed64(d.bitPattern)
            } else {
                writer.writeTag(number, .fixed32)
                writer.writeFixed32(Float(d).bitPattern)
            }
        case .message(let index):
            guard let members = value.objectValue else { throw .typeMismatch(path: path, expected: "an object") }
            writer.writeBytes(number, try encodeMessage(index, members, depth: depth + 1, path: path))
        default:
            writer.writeBytes(number, try special(type, value, depth: depth + 1, path: path))
        }
    }

    private func special(_ type: ProtobufMessageSchema.ValueType, _ value: JSONValue, depth: Int, path: String) throws(ProtobufError) -> [UInt8] {
        guard depth <= KubernetesProtobuf.maximumDepth else { throw .depthLimitExceeded(limit: KubernetesProtobuf.maximumDepth) }
        var w = ProtobufWriter()
        func schemaProps(_ v: JSONValue, _ p: String) throws(ProtobufError) -> [UInt8] {
            guard let props = schema.jsonSchemaProps else { throw .invalidValue(path: p, message: "no JSONSchemaProps schema") }
            guard let members = v.objectValue else { throw .typeMismatch(path: p, expected: "an object") }
            return try encodeMessage(props, members, depth: depth + 1, path: p)
        }
        switch type {
        case .time, .microTime:
            guard let s = value.stringValue else { throw .typeMismatch(path: path, expected: "an RFC 3339 time") }
            let instant: RFC3339.Instant
            do { instant = try RFC3339.parse(s) } catch { throw .invalidValue(path: path, message: error.description) }
            w.writeVarintField(1, UInt64(bitPattern: instant.seconds))
            let nanos = type == .time ? 0 : instant.nanoseconds / 1000 * 1000
            if nanos != 0 { w.writeVarintField(2, UInt64(nanos)) }
        case .duration:
            guard let s = value.stringValue else { throw .invalidValue(path: path, message: "not a duration") }
            let duration: GoDuration
            do { duration = try GoDuration(parsing: s) } catch { throw .invalidValue(path: path, message: error.description) }
            w.writeVarintField(1, UInt64(bitPattern: duration.nanoseconds))
        case .quantity:
            switch value {
            case .string(let s): w.writeString(1, s)
            case .int(let i): w.writeString(1, String(i))
            case .double(let d): w.writeString(1, String(d))
            default: throw .typeMismatch(path: path, expected: "a quantity")
            }
        case .intOrString:
            switch value {
            case .string(let s):
                w.writeVarintField(1, 1)
                w.writeString(3, s)
            default:
                let i = try integer(value, path: path, range: Int64(Int32.min)...Int64(Int32.max))
                w.writeVarintField(1, 0)
                w.writeVarintField(2, UInt64(bitPattern: i))
            }
        case .rawExtension, .fieldsV1, .json:
            w.writeBytes(1, value.serialized(escapingHTML: false))
        case .stringList:
            guard let items = value.arrayValue else { throw .typeMismatch(path: path, expected: "an array of strings") }
            for item in items {
                guard let s = item.stringValue else { throw .typeMismatch(path: path, expected: "an array of strings") }
                w.writeString(1, s)
            }
        case .schemaPropsOrArray:
            if let items = value.arrayValue {
                for (i, item) in items.enumerated() { w.writeBytes(2, try schemaProps(item, "\(path)[\(i)]")) }
            } else {
                w.writeBytes(1, try schemaProps(value, path))
            }
        case .schemaPropsOrBool:
            if let b = value.boolValue {
                w.writeVarintField(1, b ? 1 : 0)
            } else {
                w.writeVarintField(1, 1)
                w.writeBytes(2, try schemaProps(value, path))
            }
        case .schemaPropsOrStringArray:
            if let items = value.arrayValue {
                for item in items {
                    guard let s = item.stringValue else { throw .typeMismatch(path: path, expected: "an array of strings") }
                    w.writeString(2, s)
                }
            } else {
                w.writeBytes(1, try schemaProps(value, path))
            }
        default:
            throw .invalidValue(path: path, message: "not a special type")
        }
        return w.bytes
    }
}
