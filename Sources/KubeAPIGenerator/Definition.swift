/// The shape of a property value after resolving references and special mappings.
indirect enum TypeRef: Hashable {
    case string
    case int
    case double
    case bool
    case time
    case microTime
    case quantity
    case intOrString
    /// Arbitrary JSON (`JSONValue`).
    case json
    /// A generated struct, by OpenAPI definition name.
    case named(String)
    case array(TypeRef)
    case map(TypeRef)

    /// Whether this is a value without structure as far as merging is concerned.
    var isScalar: Bool {
        switch self {
        case .string, .int, .double, .bool, .time, .microTime, .quantity, .intOrString: return true
        case .json, .named, .array, .map: return false
        }
    }
}

/// A group/version/kind triple as listed in `x-kubernetes-group-version-kind`.
struct GVK: Hashable, Comparable {
    var group: String
    var version: String
    var kind: String

    var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// Same text as `GroupVersionKind.description` in KubeAPI.
    var description: String { "\(apiVersion), Kind=\(kind)" }

    static func < (a: GVK, b: GVK) -> Bool {
        (a.group, a.version, a.kind) < (b.group, b.version, b.kind)
    }
}

/// One property of an object definition.
struct Property {
    var jsonName: String
    var type: TypeRef
    var enumValues: [String]
    var format: String?
    var patchStrategy: String?
    var patchMergeKey: String?
    var listType: String?
    var listMapKeys: [String]
    var preserveUnknownFields: Bool
    /// `x-kubernetes-map-type` on the property.
    var mapType: String? = nil
    /// Listed in the definition's `required` members (upstream's Go field has no `omitempty`).
    var required: Bool = false
    /// Whether the schema's `default` is the Go zero value upstream's encoder writes for an
    /// unset field: `""`, `0`, `false` or `{}` (a struct held by value).
    var zeroDefault: Bool = false
}

/// How a definition takes part in the kind protocols.
enum KindRole: Equatable {
    /// Not a top-level kind (or listed under several kinds).
    case none
    /// A single-GVK type without object metadata (`Status`, `APIResourceList`).
    case plain(GVK)
    /// A top-level object with `metadata: ObjectMeta`.
    case object(GVK)
    /// A `...List` kind: `metadata: ListMeta` and `items` of an object kind.
    case list(GVK, item: String)

    var gvk: GVK? {
        switch self {
        case .none: return nil
        case .plain(let g), .object(let g), .list(let g, _): return g
        }
    }
}

/// One object definition from `components.schemas`.
struct Definition {
    /// The OpenAPI name, such as `io.k8s.api.core.v1.Pod`.
    var name: String
    /// Properties sorted by JSON name.
    var properties: [Property]
    /// The union of `x-kubernetes-group-version-kind` entries over all documents, sorted.
    var gvks: [GVK]
    var role: KindRole = .none
    /// `x-kubernetes-map-type` on the definition.
    var mapType: String? = nil
}
