import OrderedCollections

/// One entry of `metadata.managedFields`: the fields one manager owns through one kind of
/// operation (and subresource).
public struct ManagedFieldsEntry: Hashable, Sendable {
    /// How the fields were set.
    public enum Operation: String, Sendable, Hashable {
        /// Server-side apply.
        case apply = "Apply"
        /// Create, update (PUT) or a non-apply patch.
        case update = "Update"
    }

    /// The manager's name (`kubectl`, `kube-controller-manager`).
    public var manager: String
    /// The operation.
    public var operation: Operation
    /// The API version the fields are expressed in.
    public var apiVersion: String
    /// When the entry last changed (RFC 3339), if known.
    public var time: String?
    /// The owned fields.
    public var fields: FieldSet
    /// `status` for writes through the status subresource, empty otherwise.
    public var subresource: String

    /// Creates an entry.
    public init(manager: String, operation: Operation, apiVersion: String, time: String? = nil, fields: FieldSet = FieldSet(), subresource: String = "") {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.fields = fields
        self.subresource = subresource
    }

    /// Entries with the same identity are one manager: manager, operation and subresource,
    /// and for updates the API version (appliers keep one entry across versions).
    public var identity: String {
        "\(manager)\u{0}\(operation.rawValue)\u{0}\(operation == .update ? apiVersion : "")\u{0}\(subresource)"
    }

    /// The manager as conflicts name it: `"kubectl" using apps/v1`, `"x" with subresource "status"`.
    public var conflictName: String {
        var text = PathElement.text(.string(manager))
        if !subresource.isEmpty { text += " with subresource \(PathElement.text(.string(subresource)))" }
        if operation == .update { text += " using \(apiVersion)" }
        return text
    }

    /// The entry as JSON, members in upstream order.
    public var json: JSONValue {
        var out = OrderedDictionary<String, JSONValue>()
        out["manager"] = .string(manager)
        out["operation"] = .string(operation.rawValue)
        out["apiVersion"] = .string(apiVersion)
        if let time { out["time"] = .string(time) }
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = fields.fieldsV1
        if !subresource.isEmpty { out["subresource"] = .string(subresource) }
        return .object(out)
    }

    /// The longest manager name accepted.
    public static let maximumManagerLength = 128

    /// Reads `metadata.managedFields` as sent in a request or stored.
    ///
    /// Entries whose field set is empty are dropped without further checks (a list holding
    /// one empty entry is how clients clear the list).
    ///
    /// - Throws: ``FieldManagementError/invalidEntry(field:value:reason:)`` for an entry that
    ///   is not an object, an unknown operation or fields type, a manager name that is too
    ///   long, or a `fieldsV1` that does not parse.
    public static func decode(_ list: JSONValue?) throws(FieldManagementError) -> [ManagedFieldsEntry] {
        guard let list, !list.isNull else { return [] }
        guard let items = list.arrayValue else {
            throw .invalidEntry(field: "metadata.managedFields", value: list, reason: "must be a list")
        }
        var out: [ManagedFieldsEntry] = []
        for (index, item) in items.enumerated() {
            let base = "metadata.managedFields[\(index)]"
            guard let members = item.objectValue else { throw .invalidEntry(field: base, value: item, reason: "must be an object") }
            let fieldsV1 = members["fieldsV1"] ?? .object([:])
            let fields: FieldSet
            do {
                fields = fieldsV1.isNull ? FieldSet() : try FieldSet(fieldsV1: fieldsV1)
            } catch {
                throw .invalidEntry(field: base + ".fieldsV1", value: fieldsV1, reason: error.description)
            }
            if fields.isEmpty { continue }
            let operationText = members["operation"]?.stringValue ?? ""
            guard let operation = Operation(rawValue: operationText) else {
                throw .invalidEntry(field: base + ".operation", value: .string(operationText), reason: "must be `Apply` or `Update`")
            }
            let fieldsType = members["fieldsType"]?.stringValue ?? ""
            if !fieldsType.isEmpty && fieldsType != "FieldsV1" {
                throw .invalidEntry(field: base + ".fieldsType", value: .string(fieldsType), reason: "must be `FieldsV1`")
            }
            let manager = members["manager"]?.stringValue ?? ""
            if manager.utf8.count > maximumManagerLength {
                throw .invalidEntry(field: base + ".manager", value: .string(manager), reason: "must have at most \(maximumManagerLength) bytes")
            }
            out.append(ManagedFieldsEntry(
                manager: manager, operation: operation, apiVersion: members["apiVersion"]?.stringValue ?? "",
                time: members["time"]?.stringValue, fields: fields, subresource: members["subresource"]?.stringValue ?? ""))
        }
        return out
    }

    /// Entries in upstream's order: appliers first, then by time, manager, version, subresource.
    public static func sorted(_ entries: [ManagedFieldsEntry]) -> [ManagedFieldsEntry] {
        entries.sorted { p, q in
            if p.operation != q.operation { return p.operation == .apply }
            let pt = p.time ?? "", qt = q.time ?? ""
            if pt != qt { return pt < qt }
            if p.manager != q.manager { return p.manager < q.manager }
            if p.apiVersion != q.apiVersion { return p.apiVersion < q.apiVersion }
            return p.subresource < q.subresource
        }
    }

    /// The list as JSON (sorted), or nil when empty.
    public static func encode(_ entries: [ManagedFieldsEntry]) -> JSONValue? {
        entries.isEmpty ? nil : .array(sorted(entries).map(\.json))
    }
}
