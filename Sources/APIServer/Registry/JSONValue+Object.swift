import KubeAPI
import OrderedCollections

/// Small mutation helpers the registry uses on unstructured objects.
extension JSONValue {
    /// The upstream member order of `ObjectMeta`; members not listed keep their order after these.
    static let metadataOrder: [String] = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
        "annotations", "ownerReferences", "finalizers", "managedFields",
    ]

    /// Sets (or with `nil` removes) an object member; does nothing on non-objects.
    mutating func setMember(_ key: String, _ value: JSONValue?) {
        guard case .object(var members) = self else { return }
        self = .null
        if let value { members[key] = value } else { members.removeValue(forKey: key) }
        self = .object(members)
    }

    /// The `metadata` object's members (empty when absent or not an object).
    var metadataMembers: OrderedDictionary<String, JSONValue> {
        self["metadata"]?.objectValue ?? [:]
    }

    /// A string member of `metadata`, empty when absent.
    func metadataString(_ key: String) -> String {
        self["metadata"]?[key]?.stringValue ?? ""
    }

    /// Changes `metadata` through `body`, then writes it back in upstream member order.
    mutating func updateMetadata(_ body: (inout OrderedDictionary<String, JSONValue>) -> Void) {
        var meta = metadataMembers
        body(&meta)
        setMember("metadata", .object(Self.orderedMetadata(meta)))
    }

    /// `metadata` members in upstream order.
    static func orderedMetadata(_ meta: OrderedDictionary<String, JSONValue>) -> OrderedDictionary<String, JSONValue> {
        var ordered = OrderedDictionary<String, JSONValue>()
        ordered.reserveCapacity(meta.count)
        for key in metadataOrder { if let value = meta[key] { ordered[key] = value } }
        for (key, value) in meta where ordered[key] == nil { ordered[key] = value }
        return ordered
    }

    /// The object with `kind`, `apiVersion` and `metadata` first, as the server writes them.
    func withStandardOrder() -> JSONValue {
        guard case .object(let members) = self else { return self }
        var ordered = OrderedDictionary<String, JSONValue>()
        ordered.reserveCapacity(members.count)
        for key in ["kind", "apiVersion", "metadata"] { if let value = members[key] { ordered[key] = value } }
        for (key, value) in members where ordered[key] == nil { ordered[key] = value }
        return .object(ordered)
    }

    /// `metadata.labels` as a dictionary (non-string values are skipped).
    var labels: [String: String] {
        guard let members = self["metadata"]?["labels"]?.objectValue else { return [:] }
        var labels: [String: String] = [:]
        labels.reserveCapacity(members.count)
        for (key, value) in members { if let text = value.stringValue { labels[key] = text } }
        return labels
    }

    /// `metadata.finalizers` (non-strings skipped).
    var finalizers: [String] {
        (self["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The object without `metadata` and `status`: what `generation` tracks.
    var specPart: JSONValue {
        guard case .object(var members) = self else { return self }
        members.removeValue(forKey: "metadata")
        members.removeValue(forKey: "status")
        return .object(members)
    }
}
