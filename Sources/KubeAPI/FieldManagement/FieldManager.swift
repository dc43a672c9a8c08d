/// Keeps `managedFields` of one kind up to date, as upstream's structured-merge-diff does:
/// records what each write changed for its manager, and merges applied configurations
/// with conflict detection.
///
/// Pure: it works on `JSONValue` objects and ``ManagedFieldsEntry`` lists; the API server
/// reads and writes `metadata.managedFields`.
public struct FieldManager: Sendable {
    /// Which part of an object a write may change, and so which fields it may own.
    public enum Scope: Sendable, Hashable {
        /// The whole object.
        case whole
        /// Everything but `status` (the main resource of a kind with a status subresource).
        case mainResource
        /// Only `status` (the status subresource).
        case statusSubresource
        /// Only `spec.replicas` (the scale subresource).
        case scaleSubresource

        /// The subresource recorded in entries.
        var subresource: String {
            switch self {
            case .statusSubresource: return "status"
            case .scaleSubresource: return "scale"
            default: return ""
            }
        }
    }

    /// The schema of the kind.
    public var schema: MergeSchema
    /// The root definition of the kind; nil for kinds without one (every field deduced).
    public var root: String?
    /// The API version entries are recorded in.
    public var apiVersion: String
    /// What the writes may change.
    public var scope: Scope

    /// Creates a field manager.
    public init(schema: MergeSchema, root: String?, apiVersion: String, scope: Scope) {
        self.schema = schema
        self.root = root
        self.apiVersion = apiVersion
        self.scope = scope
    }

    /// Fields nobody owns: identity and system-managed metadata, the type fields.
    static let unowned: FieldSet = FieldSet(paths: [
        [.field("apiVersion")], [.field("kind")], [.field("metadata")],
        [.field("metadata"), .field("name")], [.field("metadata"), .field("namespace")],
        [.field("metadata"), .field("creationTimestamp")], [.field("metadata"), .field("selfLink")],
        [.field("metadata"), .field("uid")], [.field("metadata"), .field("generation")],
        [.field("metadata"), .field("managedFields")], [.field("metadata"), .field("resourceVersion")],
        [.field("metadata"), .field("deletionTimestamp")], [.field("metadata"), .field("deletionGracePeriodSeconds")],
    ])

    /// `set` without the fields this scope does not own.
    public func ownable(_ set: FieldSet) -> FieldSet {
        let stripped = set.subtracting(Self.unowned)
        switch scope {
        case .whole: return stripped
        case .mainResource: return stripped.removingSubtree([.field("status")])
        case .statusSubresource: return stripped.keepingSubtree([.field("status")])
        case .scaleSubresource: return stripped.keepingSubtree([.field("spec"), .field("replicas")])
        }
    }

    private func withoutManagedFields(_ object: JSONValue) -> JSONValue {
        guard case .object(var members) = object, case .object(var meta)? = members["metadata"] else { return object }
        meta.removeValue(forKey: "managedFields")
        members["metadata"] = .object(meta)
        return .object(members)
    }

    /// The entries after a non-apply write from `live` (nil for a create) to `new` by
    /// `manager`: fields the write added or changed move to the manager's `Update` entry
    /// (created or merged, its time set to `now`); fields it removed leave every entry;
    /// entries left empty disappear. A write that changes nothing leaves the entries alone.
    public func update(live: JSONValue?, new: JSONValue, managed: [ManagedFieldsEntry], manager: String, now: String) -> [ManagedFieldsEntry] {
        let comparison = schema.compare(withoutManagedFields(live ?? .object([:])), withoutManagedFields(new), root: root).filtered(ownable)
        let changed = comparison.changed
        var entries: [ManagedFieldsEntry] = []
        for var entry in managed {
            entry.fields = entry.fields.subtracting(changed).subtracting(comparison.removed)
            if !entry.fields.isEmpty { entries.append(entry) }
        }
        guard !changed.isEmpty else { return entries }
        let mine = ManagedFieldsEntry(manager: manager, operation: .update, apiVersion: apiVersion, time: now, fields: changed, subresource: scope.subresource)
        if let index = entries.firstIndex(where: { $0.identity == mine.identity }) {
            entries[index].fields = entries[index].fields.union(changed)
            entries[index].time = now
        } else {
            entries.append(mine)
        }
        return entries
    }

    /// Applies `config` for `manager` to `live` (nil when the object does not exist yet).
    ///
    /// The configuration is merged into the live object; fields the manager applied last
    /// time but no longer applies are removed unless another manager owns them. The
    /// manager's `Apply` entry becomes exactly the configuration's fields. Fields that the
    /// merge changes and another manager owns are conflicts: without `force` the apply is
    /// refused, with it they move to the applier.
    ///
    /// - Returns: the new object (without `managedFields`) and the new entries.
    /// - Throws: ``ApplyConflictError`` listing every conflict when not forced.
    public func apply(
        live: JSONValue?, config: JSONValue, managed: [ManagedFieldsEntry], manager: String, force: Bool, now: String
    ) throws(ApplyConflictError) -> (object: JSONValue, managed: [ManagedFieldsEntry]) {
        let liveObject = withoutManagedFields(live ?? .object([:]))
        let configObject = withoutManagedFields(config)
        var merged = schema.merge(liveObject, configObject, root: root)
        let applied = ownable(schema.fieldSet(of: configObject, root: root))
        let mine = ManagedFieldsEntry(manager: manager, operation: .apply, apiVersion: apiVersion, time: now, fields: applied, subresource: scope.subresource)
        let previous = managed.first { $0.identity == mine.identity }
        var others = managed.filter { $0.identity != mine.identity }

        if let last = previous?.fields, !last.isEmpty {
            let owned = others.reduce(applied) { $0.union($1.fields) }
            let stale = last.subtracting(owned)
            if !stale.isEmpty { merged = schema.removing(stale, from: merged, root: root, keep: owned) }
        }

        let comparison = schema.compare(liveObject, merged, root: root).filtered(ownable)
        let changed = comparison.changed
        var conflicts: [ApplyConflictError.Conflict] = []
        for entry in others.sorted(by: { $0.conflictName < $1.conflictName }) {
            let contested = entry.fields.intersection(changed)
            for path in contested.paths { conflicts.append(.init(manager: entry.conflictName, path: path)) }
        }
        if !force && !conflicts.isEmpty {
            throw ApplyConflictError(conflicts: conflicts)
        }
        others = others.compactMap { entry in
            var entry = entry
            entry.fields = entry.fields.subtracting(changed).subtracting(comparison.removed)
            return entry.fields.isEmpty ? nil : entry
        }
        var entry = mine
        if comparison.isSame, let previous, previous.fields == applied, previous.apiVersion == apiVersion {
            entry.time = previous.time
        }
        var entries = others
        if !entry.fields.isEmpty { entries.append(entry) }
        return (merged, entries)
    }
}
