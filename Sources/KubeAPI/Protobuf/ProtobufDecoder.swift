import OrderedCollections

/// Converts protobuf messages to JSON following a ``ProtobufMessageSchema``
/// (see ``KubernetesProtobuf`` for the rules).
struct ProtobufDecoder {
    let schema: ProtobufMessageSchema

    /// Decodes a `k8s\0` + `runtime.Unknown` document.
    func decodeEnvelope(_ bytes: [UInt8], depth: Int) throws(ProtobufError) -> JSONValue {
        guard bytes.count >= 4, bytes.prefix(4).elementsEqual(KubernetesProtobuf.magic) else { throw .missingMagic }
        var reader = ProtobufReader(bytes, range: 4..<bytes.count)
        var apiVersion = ""
        var kind = ""
        var raw: Range<Int>?
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            switch (number, wire) {
            case (1, .lengthDelimited):
                var meta = ProtobufReader(bytes, range: try reader.readLengthDelimited())
                while !meta.isAtEnd {
                    let (n, w) = try meta.readTag()
                    if (n == 1 || n == 2), w == .lengthDelimited {
                        let text = try string(bytes, try meta.readLengthDelimited(), path: n == 1 ? "apiVersion" : "kind")
                        if n == 1 { apiVersion = text } else { kind = text }
                    } else {
                        try meta.skip(w)
                    }
                }
            case (2, .lengthDelimited):
                raw = try reader.readLengthDelimited()
            case (3, .lengthDelimited), (4, .lengthDelimited):
                let value = try string(bytes, try reader.readLengthDelimited(), path: "contentEncoding")
                if number == 3, !value.isEmpty { throw .unsupportedContent("encoding \(value)") }
                if number == 4, !value.isEmpty, value != KubernetesProtobuf.mediaType { throw .unsupportedContent("type \(value)") }
            default:
                try reader.skip(wire)
            }
        }
        guard !apiVersion.isEmpty, !kind.isEmpty else { throw .missingTypeMeta }
        guard let index = schema.message(apiVersion: apiVersion, kind: kind) else {
            throw .unknownKind(apiVersion: apiVersion, kind: kind)
        }
        var object: OrderedDictionary<String, JSONValue> = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        let body = try decodeMessage(index, bytes, raw ?? 0..<0, depth: depth + 1, path: kind)
        for (key, value) in body where key != "apiVersion" && key != "kind" { object[key] = value }
        return .object(object)
    }

    /// Decodes one message into the members of a JSON object, in field order.
    func decodeMessage(_ index: Int, _ bytes: [UInt8], _ range: Range<Int>, depth: Int, path: String) throws(ProtobufError) -> OrderedDictionary<String, JSONValue> {
        guard depth <= KubernetesProtobuf.maximumDepth else { throw .depthLimitExceeded(limit: KubernetesProtobuf.maximumDepth) }
        let message = schema.messages[index]
        var singles: [Int: JSONValue] = [:]
        var lists: [Int: [JSONValue]] = [:]
        var maps: [Int: OrderedDictionary<String, JSONValue>] = [:]
        var reader = ProtobufReader(bytes, range: range)
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            guard let fieldIndex = message.byNumber[number] else {
                try reader.skip(wire)
                continue
            }
            let field = message.fields[fieldIndex]
            let fieldPath = path + "." + (field.inline ? "-" : field.jsonName)
            switch field.cardinality {
            case .single:
                if field.inline, case .message(let target) = field.type {
                    guard wire == .lengthDelimited else { throw .wireTypeMismatch(path: fieldPath, wireType: wire.rawValue) }
                    let members = try decodeMessage(target, bytes, try reader.readLengthDelimited(), depth: depth + 1, path: path)
                    singles[fieldIndex] = .object(members)
                } else {
                    singles[fieldIndex] = try value(field.type, wire: wire, reader: &reader, bytes: bytes, depth: depth, path: fieldPath) ?? .null
                }
            case .repeated:
                if wire == .lengthDelimited, field.type.isPackable {
                    var packed = ProtobufReader(bytes, range: try reader.readLengthDelimited())
                    let elementWire: ProtobufReader.WireType = field.type == .double ? .fixed64 : field.type == .float ? .fixed32 : .varint
                    while !packed.isAtEnd {
                        lists[fieldIndex, default: []].append(try value(field.type, wire: elementWire, reader: &packed, bytes: bytes, depth: depth, path: fieldPath) ?? .null)
                    }
                } else {
                    lists[fieldIndex, default: []].append(try value(field.type, wire: wire, reader: &reader, bytes: bytes, depth: depth, path: fieldPath) ?? .null)
                }
            case .map:
                guard wire == .lengthDelimited else { throw .wireTypeMismatch(path: fieldPath, wireType: wire.rawValue) }
                var entry = ProtobufReader(bytes, range: try reader.readLengthDelimited())
                var key = ""
                var entryValue: JSONValue?
                while !entry.isAtEnd {
                    let (n, w) = try entry.readTag()
                    if n == 1 {
                        guard w == .lengthDelimited else { throw .wireTypeMismatch(path: fieldPath, wireType: w.rawValue) }
                        key = try string(bytes, try entry.readLengthDelimited(), path: fieldPath)
                    } else if n == 2 {
                        entryValue = try value(field.type, wire: w, reader: &entry, bytes: bytes, depth: depth, path: fieldPath + "[" + key + "]")
                    } else {
                        try entry.skip(w)
                    }
                }
                maps[fieldIndex, default: [:]][key] = entryValue ?? zeroValue(field.type)
            }
        }
        var object: OrderedDictionary<String, JSONValue> = [:]
        for (i, field) in message.fields.enumerated() {
            switch field.cardinality {
            case .single:
                guard let v = singles[i] else { continue }
                if field.inline {
                    for (key, member) in v.objectValue ?? [:] { object[key] = member }
                    continue
                }
                if case .null = v { continue }
                // Go writes unset non-pointer strings as "": drop them unless required.
                if field.type == .string, !field.required, v.stringValue == "" { continue }
                object[field.jsonName] = v
            case .repeated:
                if let items = lists[i] { object[field.jsonName] = .array(items) }
            case .map:
                if let entries = maps[i] { object[field.jsonName] = .object(entries) }
            }
        }
        return object
    }

    /// The JSON value of a map entry without a value.
    private func zeroValue(_ type: ProtobufMessageSchema.ValueType) -> JSONValue {
        switch type {
        case .string, .bytes, .quantity: return .string("")
        case .bool: return .bool(false)
        case .int32, .int64: return .int(0)
        case .double, .float: return .double(0)
        case .stringList: return .array([])
        case .message: return .object([:])
        default: return .null
        }
    }

    /// Reads one value; nil when the value stands for "absent" (an empty Time, an empty RawExtension).
    private func value(_ type: ProtobufMessageSchema.ValueType, wire: ProtobufReader.WireType, reader: inout ProtobufReader, bytes: [UInt8], depth: Int, path: String) throws(ProtobufError) -> JSONValue? {
        func expect(_ expected: ProtobufReader.WireType) throws(ProtobufError) {
            guard wire == expected else { throw .wireTypeMismatch(path: path, wireType: wire.rawValue) }
        }
        switch type {
        case .string:
            try expect(.lengthDelimited)
            return .string(try string(bytes, try reader.readLengthDelimited(), path: path))
        case .bytes:
            try expect(.lengthDelimited)
            return .string(Base64.encode(bytes[try reader.readLengthDelimited()]))
        case .bool:
            try expect(.varint)
            return .bool(try reader.readVarint() != 0)
        case .int32:
            try expect(.varint)
            return .int(Int64(Int32(truncatingIfNeeded: try reader.readVarint())))
        case .int64:
            try expect(.varint)
            return .int(Int64(bitPattern: try reader.readVarint()))
        case .double:
            try expect(.fixed64)
            return .double(Double(bitPattern: try reader.readFixed64()))
        case .float:
            try expect(.fixed32)
            return .double(Double(Float(bitPattern: try reader.readFixed32())))
        case .message(let index):
            try expect(.lengthDelimited)
            return .object(try decodeMessage(index, bytes, try reader.readLengthDelimited(), depth: depth + 1, path: path))
        default:
            try expect(.lengthDelimited)
            return try special(type, bytes, try reader.readLengthDelimited(), depth: depth + 1, path: path)
        }
    }

    /// The fields of a small fixed-layout message: varints, strings (as byte ranges) and
    /// repeated length-delimited values, by field number.
    private struct Fields {
        var varints: [Int: UInt64] = [:]
        var ranges: [Int: [Range<Int>]] = [:]
    }

    private func fields(_ bytes: [UInt8], _ range: Range<Int>, path: String) throws(ProtobufError) -> Fields {
        var result = Fields()
        var reader = ProtobufReader(bytes, range: range)
        while !reader.isAtEnd {
            let (number, wire) = try reader.readTag()
            switch wire {
            case .varint: result.varints[number] = try reader.readVarint()
            case .lengthDelimited: result.ranges[number, default: []].append(try reader.readLengthDelimited())
            default: try reader.skip(wire)
            }
        }
        return result
    }

    private func special(_ type: ProtobufMessageSchema.ValueType, _ bytes: [UInt8], _ range: Range<Int>, depth: Int, path: String) throws(ProtobufError) -> JSONValue? {
        guard depth <= KubernetesProtobuf.maximumDepth else { throw .depthLimitExceeded(limit: KubernetesProtobuf.maximumDepth) }
        let f = try fields(bytes, range, path: path)
        func text(_ n: Int) throws(ProtobufError) -> String? {
            guard let r = f.ranges[n]?.last else { return nil }
            return try string(bytes, r, path: path)
        }
        func embeddedJSON(_ n: Int) throws(ProtobufError) -> JSONValue? {
            guard let r = f.ranges[n]?.last, !r.isEmpty else { return nil }
            if bytes[r].starts(with: KubernetesProtobuf.magic) {
                return try decodeEnvelope(Array(bytes[r]), depth: depth)
            }
            do {
                return try JSONValue(parsing: bytes[r], maximumDepth: KubernetesProtobuf.maximumDepth)
            } catch {
                throw .invalidValue(path: path, message: "embedded JSON: \(error)")
            }
        }
        func schemaProps(_ r: Range<Int>) throws(ProtobufError) -> JSONValue {
            guard let props = schema.jsonSchemaProps else { throw .invalidValue(path: path, message: "no JSONSchemaProps schema") }
            return .object(try decodeMessage(props, bytes, r, depth: depth + 1, path: path))
        }
        switch type {
        case .time, .microTime:
            if range.isEmpty { return nil }
            let seconds = Int64(bitPattern: f.varints[1] ?? 0)
            let nanos = Int64(Int32(truncatingIfNeeded: f.varints[2] ?? 0))
            guard (0..<1_000_000_000).contains(nanos), (-62_135_596_800...253_402_300_799).contains(seconds) else {
                throw .invalidValue(path: path, message: "timestamp out of range")
            }
            if type == .time { return .string(RFC3339.format(seconds: seconds)) }
            return .string(RFC3339.format(seconds: seconds, fraction: nanos / 1000, fractionDigits: 6))
        case .duration:
            return .string(GoDuration(nanoseconds: Int64(bitPattern: f.varints[1] ?? 0)).description)
        case .quantity:
            return .string(try text(1) ?? "0")
        case .intOrString:
            if f.varints[1] == 1 { return .string(try text(3) ?? "") }
            return .int(Int64(Int32(truncatingIfNeeded: f.varints[2] ?? 0)))
        case .rawExtension, .fieldsV1, .json:
            return try embeddedJSON(1)
        case .stringList:
            var items: [JSONValue] = []
            for r in f.ranges[1] ?? [] { items.append(.string(try string(bytes, r, path: path))) }
            return .array(items)
        case .schemaPropsOrArray:
            if let many = f.ranges[2], !many.isEmpty {
                var items: [JSONValue] = []
                for r in many { items.append(try schemaProps(r)) }
                return .array(items)
            }
            if let one = f.ranges[1]?.last { return try schemaProps(one) }
            return nil
        case .schemaPropsOrBool:
            if let one = f.ranges[2]?.last { return try schemaProps(one) }
            return .bool((f.varints[1] ?? 0) != 0)
        case .schemaPropsOrStringArray:
            if let strings = f.ranges[2], !strings.isEmpty {
                var items: [JSONValue] = []
                for r in strings { items.append(.string(try string(bytes, r, path: path))) }
                return .array(items)
            }
            if let one = f.ranges[1]?.last { return try schemaProps(one) }
            return nil
        default:
            throw .invalidValue(path: path, message: "not a special type")
        }
    }

    private func string(_ bytes: [UInt8], _ range: Range<Int>, path: String) throws(ProtobufError) -> String {
        guard let text = String(validating: bytes[range], as: UTF8.self) else { throw .invalidUTF8(path: path) }
        return text
    }
}
