import KubeAPI

/// The metadata-only forms of objects and lists (`meta.k8s.io` `PartialObjectMetadata` and
/// `PartialObjectMetadataList`), served when a client's `Accept` asks for them
/// (`application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`): the kind, the
/// `meta.k8s.io` version asked for, and `metadata` only.
enum PartialObjectMetadata {
    /// The `meta.k8s.io` versions served (`v1`, and `v1beta1` as upstream still accepts it).
    static let versions: Set<String> = ["v1", "v1beta1"]

    /// The metadata-only form of one object.
    static func object(_ value: JSONValue, version: String = "v1") -> JSONValue {
        [
            "kind": "PartialObjectMetadata",
            "apiVersion": .string("meta.k8s.io/\(version)"),
            "metadata": value["metadata"] ?? .object([:]),
        ]
    }

    /// The metadata-only form of a list, with the list's `metadata` (`resourceVersion`,
    /// `continue`, `remainingItemCount`).
    static func list(_ objects: [JSONValue], metadata: JSONValue, version: String = "v1") -> JSONValue {
        [
            "kind": "PartialObjectMetadataList",
            "apiVersion": .string("meta.k8s.io/\(version)"),
            "metadata": metadata,
            "items": .array(objects.map { object($0, version: version) }),
        ]
    }
}
