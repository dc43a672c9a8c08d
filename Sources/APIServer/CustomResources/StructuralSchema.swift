import KubeAPI
import OrderedCollections

/// One node of a custom resource's `openAPIV3Schema`, parsed once so objects can be validated,
/// pruned and defaulted without re-reading the JSON. Only the keywords the server acts on are
/// kept; the source JSON stays available in ``source``.
public final class StructuralSchema: Sendable {
    /// `type` (`object`, `array`, `string`, `integer`, `number`, `boolean`), empty when absent.
    public let type: String
    /// `format` (`int32`, `date-time`, `byte`, ...), empty when absent.
    public let format: String
    /// `properties`, in schema order.
    public let properties: OrderedDictionary<String, StructuralSchema>
    /// `additionalProperties` given as a schema.
    public let additionalProperties: StructuralSchema?
    /// `additionalProperties: true` (anything is allowed and kept).
    public let additionalPropertiesAllowed: Bool
    /// `items`.
    public let items: StructuralSchema?
    /// `required`.
    public let required: [String]
    /// `enum`.
    public let enumValues: [JSONValue]?
    /// `default`.
    public let defaultValue: JSONValue?
    /// `nullable`.
    public let nullable: Bool
    /// `minimum`, `maximum` and their exclusive flags.
    public let minimum: Double?
    /// See ``minimum``.
    public let maximum: Double?
    /// See ``minimum``.
    public let exclusiveMinimum: Bool
    /// See ``minimum``.
    public let exclusiveMaximum: Bool
    /// `minLength`/`maxLength` (in characters / bytes as upstream counts them).
    public let minLength: Int?
    /// See ``minLength``.
    public let maxLength: Int?
    /// `pattern`, compiled.
    public let pattern: SchemaPattern?
    /// `minItems`/`maxItems`/`uniqueItems`.
    public let minItems: Int?
    /// See ``minItems``.
    public let maxItems: Int?
    /// See ``minItems``.
    public let uniqueItems: Bool
    /// `minProperties`/`maxProperties`.
    public let minProperties: Int?
    /// See ``minProperties``.
    public let maxProperties: Int?
    /// `x-kubernetes-preserve-unknown-fields`.
    public let preserveUnknownFields: Bool
    /// `x-kubernetes-int-or-string`.
    public let intOrString: Bool
    /// `x-kubernetes-embedded-resource`.
    public let embeddedResource: Bool
    /// `x-kubernetes-list-type` (`atomic`, `set`, `map`), empty when absent.
    public let listType: String
    /// `x-kubernetes-list-map-keys`.
    public let listMapKeys: [String]
    /// The JSON this node was parsed from.
    public let source: JSONValue

    /// Parses `json` (a JSONSchemaProps object). Unknown keywords are ignored; malformed ones
    /// are caught earlier by ``CustomResourceDefinitionValidation``.
    public init(_ json: JSONValue) {
        source = json
        type = json["type"]?.stringValue ?? ""
        format = json["format"]?.stringValue ?? ""
        var properties = OrderedDictionary<String, StructuralSchema>()
        for (name, value) in json["properties"]?.objectValue ?? [:] {
            properties[name] = StructuralSchema(value)
        }
        self.properties = properties
        switch json["additionalProperties"] {
        case .object(let members)?:
            additionalProperties = StructuralSchema(.object(members))
            additionalPropertiesAllowed = true
        case .bool(let allowed)?:
            additionalProperties = nil
            additionalPropertiesAllowed = allowed
        default:
            additionalProperties = nil
            additionalPropertiesAllowed = false
        }
        items = json["items"].flatMap { $0.objectValue != nil ? StructuralSchema($0) : nil }
        required = (json["required"]?.arrayValue ?? []).compactMap(\.stringValue)
        enumValues = json["enum"]?.arrayValue
        defaultValue = json["default"]
        nullable = json["nullable"]?.boolValue ?? false
        minimum = json["minimum"]?.doubleValue
        maximum = json["maximum"]?.doubleValue
        exclusiveMinimum = json["exclusiveMinimum"]?.boolValue ?? false
        exclusiveMaximum = json["exclusiveMaximum"]?.boolValue ?? false
        minLength = json["minLength"]?.intValue.map { Int($0) }
        maxLength = json["maxLength"]?.intValue.map { Int($0) }
        pattern = json["pattern"]?.stringValue.flatMap { try? SchemaPattern($0) }
        minItems = json["minItems"]?.intValue.map { Int($0) }
        maxItems = json["maxItems"]?.intValue.map { Int($0) }
        uniqueItems = json["uniqueItems"]?.boolValue ?? false
        minProperties = json["minProperties"]?.intValue.map { Int($0) }
        maxProperties = json["maxProperties"]?.intValue.map { Int($0) }
        preserveUnknownFields = json["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        intOrString = json["x-kubernetes-int-or-string"]?.boolValue ?? false
        embeddedResource = json["x-kubernetes-embedded-resource"]?.boolValue ?? false
        listType = json["x-kubernetes-list-type"]?.stringValue ?? ""
        listMapKeys = (json["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// Whether members not named in ``properties`` are kept (and not reported as unknown).
    var keepsUnknownMembers: Bool {
        preserveUnknownFields || additionalPropertiesAllowed
    }

    /// The JSON type name of a value, as validation messages spell it.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double(let d): return d.rounded() == d && abs(d) < 1e18 ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// `path.child`, or `child` at the root.
    static func join(_ path: String, _ child: String) -> String {
        path.isEmpty ? child : path + "." + child
    }
}
