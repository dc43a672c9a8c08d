import KubeAPI

/// One object as the watch cache keeps it: its encoded bytes (with `metadata.resourceVersion`
/// set; reused for every response) and what selectors match on.
///
/// The decoded tree is not kept: a `JSONValue` tree costs many times the object's JSON in
/// memory, and GET, LIST and WATCH only need the bytes. ``value`` decodes the bytes on each
/// access, for the callers that work on the tree (tables, metadata-only responses, scale,
/// eviction).
public struct CachedObject: Sendable {
    /// The datastore key.
    public let key: String
    /// `metadata.namespace` (empty for cluster-scoped objects).
    public let namespace: String
    /// `metadata.name`.
    public let name: String
    /// The object encoded as compact JSON, `metadata.resourceVersion` included, with the
    /// fields upstream always writes (see ``filled(_:)``).
    public let bytes: [UInt8]
    /// `metadata.labels`.
    public let labels: [String: String]
    /// The selectable fields (see ``SelectableFields``).
    public let fields: FieldValues
    /// The revision of this state (its `resourceVersion`).
    public let revision: Int64

    /// The object decoded from ``bytes``: parsed on every access, so a caller that reads it
    /// more than once should keep it in a local.
    public var value: JSONValue {
        // The bytes are always this type's own serialization of a JSON object.
        (try? JSONValue(parsing: bytes)) ?? .object([:])
    }

    /// Decodes a stored object, setting its `resourceVersion` to `revision`.
    ///
    /// - Throws: `StatusError.internalError` when the stored bytes are not a JSON object.
    init(key: String, stored: [UInt8], revision: Int64, fields: SelectableFields) throws(StatusError) {
        let parsed: JSONValue
        do {
            parsed = try JSONValue(parsing: stored)
        } catch {
            throw StatusError.internalError("stored object \(key) is not valid JSON: \(error)")
        }
        guard parsed.objectValue != nil else {
            throw StatusError.internalError("stored object \(key) is not a JSON object")
        }
        self.init(key: key, value: parsed, revision: revision, fields: fields)
    }

    /// Wraps an object, setting its `resourceVersion` to `revision` and encoding it.
    init(key: String, value: JSONValue, revision: Int64, fields: SelectableFields) {
        var object = Self.filled(value)
        object.updateMetadata { $0["resourceVersion"] = .string(String(revision)) }
        self.init(key: key, filled: object, revision: revision, fields: fields)
    }

    /// Wraps an object that has no revision yet (dry-run create): `resourceVersion` stays unset.
    init(unstamped object: JSONValue, key: String, fields: SelectableFields) {
        self.init(key: key, filled: Self.filled(object), revision: 0, fields: fields)
    }

    /// Wraps an object that is already filled and stamped.
    private init(key: String, filled object: JSONValue, revision: Int64, fields: SelectableFields) {
        self.key = key
        self.namespace = object.metadataString("namespace")
        self.name = object.metadataString("name")
        self.bytes = Self.exactly(object.serialized())
        self.labels = object.labels
        self.fields = fields.values(of: object)
        self.revision = revision
    }

    /// `bytes` in an array of its own whose capacity is its count: the serializer grows its
    /// output by doubling, and the cache keeps every object's bytes for as long as the object
    /// lives.
    static func exactly(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.capacity > bytes.count + 16 else { return bytes }
        return [UInt8](unsafeUninitializedCapacity: bytes.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: bytes)
        }
    }

    /// An object with every field upstream's encoder writes even when unset
    /// (`status.replicas: 0`, `status: {}`) added, as decoding into upstream's Go types does:
    /// clients validating required fields accept it, and a client's read-modify-write sends
    /// back what the server holds. Custom resources are unchanged.
    static func filled(_ object: JSONValue) -> JSONValue {
        AlwaysEmittedFields.kubernetes.filling(object)
    }

    /// The same object stamped with another revision (a deletion's).
    func restamped(_ revision: Int64, fields: SelectableFields) -> CachedObject {
        CachedObject(key: key, value: value, revision: revision, fields: fields)
    }

    /// Whether the object passes a namespace restriction and both selectors.
    func matches(namespace: String, labels labelSelector: LabelSelector, fields fieldSelector: FieldSelector) -> Bool {
        if !namespace.isEmpty && self.namespace != namespace { return false }
        if !labelSelector.isEverything && !labelSelector.matches(labels) { return false }
        if !fieldSelector.isEverything && !fields.satisfy(fieldSelector) { return false }
        return true
    }
}
