/// What a strategic merge patch needs to know about the schema of every kind:
/// for each object definition, how each of its fields merges.
///
/// Built by the generator from the OpenAPI documents (`Generated/MergeSchema+Kubernetes.swift`);
/// custom resources build one from their CRD's structural schema.
public struct MergeSchema: Sendable {
    /// Field tables keyed by definition name (for example `io.k8s.api.core.v1.PodSpec`).
    public var definitions: [String: [String: MergeField]]
    /// The root definition of each top-level kind.
    public var roots: [GroupVersionKind: String]
    /// Definitions marked `x-kubernetes-map-type: atomic`: owned and replaced as a whole by
    /// server-side apply (unless a field overrides it with its own ``MergeField/mapType``).
    public var atomicDefinitions: Set<String>

    /// Creates a schema from its definitions and kind roots.
    public init(definitions: [String: [String: MergeField]], roots: [GroupVersionKind: String], atomicDefinitions: Set<String> = []) {
        self.definitions = definitions
        self.roots = roots
        self.atomicDefinitions = atomicDefinitions
    }

    /// The fields of a definition, or `nil` when the name is unknown.
    public func fields(of definition: String) -> [String: MergeField]? { definitions[definition] }
}

/// The merge-relevant facts about one field (or one array element or map value).
public struct MergeField: Sendable, Hashable {
    /// The shape of the field's value.
    public var type: MergeType
    /// `x-kubernetes-patch-strategy`, split on commas (`merge`, `replace`, `retainKeys`).
    public var patchStrategies: Set<PatchStrategy>
    /// `x-kubernetes-patch-merge-key`, for lists merged by a key.
    public var patchMergeKey: String?
    /// `x-kubernetes-list-type`.
    public var listType: ListType?
    /// `x-kubernetes-list-map-keys`, for `listType: map`.
    public var listMapKeys: [String]
    /// `x-kubernetes-map-type` on the field itself (for maps and objects); `nil` when unset.
    public var mapType: MapType?

    /// Creates a field description.
    public init(
        type: MergeType,
        patchStrategies: Set<PatchStrategy> = [],
        patchMergeKey: String? = nil,
        listType: ListType? = nil,
        listMapKeys: [String] = [],
        mapType: MapType? = nil
    ) {
        self.type = type
        self.patchStrategies = patchStrategies
        self.patchMergeKey = patchMergeKey
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.mapType = mapType
    }
}

/// The shape of a schema node, as far as merging is concerned.
public indirect enum MergeType: Sendable, Hashable {
    /// A string, number, boolean, or a value merged as a whole.
    case scalar
    /// An object with a named definition in `MergeSchema.definitions`.
    case object(String)
    /// A map with string keys and values of one type (`additionalProperties`).
    case map(MergeType)
    /// An array whose elements have one type.
    case array(MergeType)
    /// Arbitrary JSON (`x-kubernetes-preserve-unknown-fields`, `RawExtension`).
    case unstructured
}

/// A value of `x-kubernetes-patch-strategy`.
public enum PatchStrategy: String, Sendable, Hashable {
    case merge
    case replace
    case retainKeys
}

/// A value of `x-kubernetes-list-type`.
public enum ListType: String, Sendable, Hashable {
    case atomic
    case set
    case map
}

/// A value of `x-kubernetes-map-type`.
public enum MapType: String, Sendable, Hashable {
    /// Every key is owned and merged separately (the default).
    case granular
    /// The map or object is owned and replaced as a whole.
    case atomic
}
