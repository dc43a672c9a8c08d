/// The protobuf layout of the built-in kinds: for each message its fields, with field number,
/// JSON name and type, parsed once from the generated ``ProtobufSchema`` table.
struct ProtobufMessageSchema: Sendable {
    /// The value kind of a field (the element kind for repeated and map fields).
    enum ValueType: Sendable, Hashable {
        case string, bytes, bool, int32, int64, double, float
        /// `meta.v1.Time` {seconds, nanos} ↔ RFC 3339 with whole seconds.
        case time
        /// `meta.v1.MicroTime` ↔ RFC 3339 with six fractional digits.
        case microTime
        /// `meta.v1.Duration` {duration ns} ↔ a Go duration string.
        case duration
        /// `resource.Quantity` {string}.
        case quantity
        /// `intstr.IntOrString` {type, intVal, strVal} ↔ a number or a string.
        case intOrString
        /// `runtime.RawExtension` {raw}: embedded JSON (or an embedded protobuf envelope).
        case rawExtension
        /// `meta.v1.FieldsV1` {Raw}: embedded JSON.
        case fieldsV1
        /// apiextensions `JSON` {raw}: embedded JSON.
        case json
        /// A message wrapping `repeated string items = 1` (`ExtraValue`): a JSON array of strings.
        case stringList
        /// apiextensions `JSONSchemaPropsOrArray` {schema, jSONSchemas}: an object or an array.
        case schemaPropsOrArray
        /// apiextensions `JSONSchemaPropsOrBool` {allows, schema}: a bool or an object.
        case schemaPropsOrBool
        /// apiextensions `JSONSchemaPropsOrStringArray` {schema, property}: an object or strings.
        case schemaPropsOrStringArray
        /// The message at this index of ``messages``.
        case message(Int)

        /// Whether repeated values of this type may be packed.
        var isPackable: Bool {
            switch self {
            case .bool, .int32, .int64, .double, .float: return true
            default: return false
            }
        }
    }

    /// How many values a field holds.
    enum Cardinality: Sendable, Hashable {
        case single, repeated
        /// `map<string, value>`.
        case map
    }

    /// One field.
    struct Field: Sendable {
        var number: Int
        /// The JSON member name (unused for inline fields).
        var jsonName: String
        var type: ValueType
        var cardinality: Cardinality
        /// An embedded struct whose members appear in the enclosing JSON object.
        var inline: Bool
        /// The OpenAPI schema lists the property as required.
        var required: Bool
    }

    /// One message.
    struct Message: Sendable {
        /// The OpenAPI definition name.
        var name: String
        /// Fields in the order the facts list them (proto order).
        var fields: [Field]
        /// Field index by number.
        var byNumber: [Int: Int]
    }

    var messages: [Message]
    /// Message index by `apiVersion` + " " + `kind`.
    var kinds: [String: Int]
    /// Message index by definition name.
    var byName: [String: Int]
    /// OpenAPI properties that have no field number (`definition.property`).
    var unnumbered: [String]

    /// The schema of the built-in kinds.
    static let shared = ProtobufMessageSchema(table: ProtobufSchema.table)

    /// Parses the generated table; the generator guarantees its format, so a malformed line is a
    /// programming error.
    init(table: String) {
        var messages: [Message] = []
        var kinds: [String: Int] = [:]
        var byName: [String: Int] = [:]
        var unnumbered: [String] = []
        for line in table.split(separator: "\n") {
            if line.hasPrefix("=") {
                let parts = line.dropFirst().split(separator: " ")
                precondition(parts.count == 3, "bad protobuf kind line \(line)")
                kinds[parts[0] + " " + parts[1]] = Int(parts[2])!
                continue
            }
            if line.hasPrefix("?") {
                unnumbered.append(String(line.dropFirst()))
                continue
            }
            let parts = line.split(separator: " ")
            var fields: [Field] = []
            var byNumber: [Int: Int] = [:]
            for token in parts.dropFirst() {
                var t = token[...]
                let required = t.hasPrefix("!")
                if required { t = t.dropFirst() }
                let pieces = t.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                precondition(pieces.count == 3, "bad protobuf field \(token)")
                var code = pieces[2]
                var cardinality = Cardinality.single
                var inline = false
                if code.hasPrefix("*") {
                    cardinality = .repeated
                    code = code.dropFirst()
                } else if code.hasPrefix("%") {
                    cardinality = .map
                    code = code.dropFirst()
                } else if code.hasPrefix("^") {
                    inline = true
                    code = "#" + code.dropFirst()
                }
                byNumber[Int(pieces[0])!] = fields.count
                fields.append(Field(
                    number: Int(pieces[0])!, jsonName: String(pieces[1]), type: Self.valueType(code),
                    cardinality: cardinality, inline: inline, required: required))
            }
            byName[String(parts[0])] = messages.count
            messages.append(Message(name: String(parts[0]), fields: fields, byNumber: byNumber))
        }
        self.messages = messages
        self.kinds = kinds
        self.byName = byName
        self.unnumbered = unnumbered
    }

    private static func valueType(_ code: Substring) -> ValueType {
        switch code {
        case "s": return .string
        case "y": return .bytes
        case "b": return .bool
        case "i": return .int32
        case "l": return .int64
        case "d": return .double
        case "f": return .float
        case "T": return .time
        case "M": return .microTime
        case "D": return .duration
        case "Q": return .quantity
        case "I": return .intOrString
        case "R": return .rawExtension
        case "F": return .fieldsV1
        case "J": return .json
        case "W": return .stringList
        case "A": return .schemaPropsOrArray
        case "B": return .schemaPropsOrBool
        case "C": return .schemaPropsOrStringArray
        default:
            precondition(code.hasPrefix("#"), "bad protobuf type \(code)")
            return .message(Int(code.dropFirst())!)
        }
    }

    /// The message of a kind, if the kind has a protobuf form.
    func message(apiVersion: String, kind: String) -> Int? {
        kinds[apiVersion + " " + kind]
    }

    /// The index of `JSONSchemaProps`, used by the polymorphic apiextensions types.
    var jsonSchemaProps: Int? {
        byName["io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"]
    }
}
