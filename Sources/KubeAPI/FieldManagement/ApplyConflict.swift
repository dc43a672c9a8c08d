/// Fields an apply would take from other managers, refused because it was not forced.
public struct ApplyConflictError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One contested field.
    public struct Conflict: Sendable, Hashable {
        /// The owning manager as conflicts name it (``ManagedFieldsEntry/conflictName``).
        public var manager: String
        /// The contested path.
        public var path: FieldPath

        /// Creates a conflict.
        public init(manager: String, path: FieldPath) {
            self.manager = manager
            self.path = path
        }
    }

    /// The conflicts, grouped by manager in sorted order.
    public var conflicts: [Conflict]

    /// Creates the error.
    public init(conflicts: [Conflict]) { self.conflicts = conflicts }

    /// Upstream's message: `Apply failed with 1 conflict: conflict with "m" using v1: .spec.x`,
    /// or for several a line per manager followed by `- path` lines.
    public var description: String {
        if conflicts.count == 1 {
            return "Apply failed with 1 conflict: conflict with \(conflicts[0].manager): \(conflicts[0].path.pathDescription)"
        }
        var byManager: [String: [FieldPath]] = [:]
        for conflict in conflicts { byManager[conflict.manager, default: []].append(conflict.path) }
        var lines: [String] = []
        for manager in byManager.keys.sorted() {
            lines.append("conflicts with \(manager):")
            for path in byManager[manager]! { lines.append("- \(path.pathDescription)") }
        }
        return "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
    }

    /// The `Status` for the error: 409 Conflict with one `FieldManagerConflict` cause per field.
    public var status: StatusError {
        StatusError(code: 409, reason: .conflict, message: description, details: StatusError.Details(
            causes: conflicts.map { .init(reason: "FieldManagerConflict", message: "conflict with \($0.manager)", field: $0.path.pathDescription) }))
    }
}
