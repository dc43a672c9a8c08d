import KubeAPI

extension RBACPolicy {
    /// Why a JSON object could not be applied to a policy.
    public enum ApplyError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The object's `kind` is not Role, ClusterRole, RoleBinding or ClusterRoleBinding.
        case unsupportedKind(String)
        /// The object does not decode as its kind.
        case undecodable(kind: String, reason: String)

        /// A message naming the problem.
        public var description: String {
            switch self {
            case .unsupportedKind(let kind): "not an RBAC kind: \(kind.isEmpty ? "(none)" : kind)"
            case .undecodable(let kind, let reason): "cannot decode \(kind): \(reason)"
            }
        }
    }

    /// A snapshot built from stored RBAC objects in JSON form (any order, mixed kinds).
    ///
    /// - Throws: ``ApplyError`` for an object of another kind or one that does not decode.
    public init(objects: [JSONValue], resolvesAggregation: Bool = true) throws(ApplyError) {
        self.init(resolvesAggregation: resolvesAggregation)
        var stale = StaleIndexes()
        defer { refresh(stale) }
        for object in objects { try apply(object, deleted: false, stale: &stale) }
    }

    /// Adds, replaces (or with `deleted`, removes) one RBAC object given as JSON, as a watch
    /// event reports it.
    ///
    /// - Throws: ``ApplyError`` for an object of another kind or one that does not decode.
    public mutating func apply(_ object: JSONValue, deleted: Bool = false) throws(ApplyError) {
        var stale = StaleIndexes()
        defer { refresh(stale) }
        try apply(object, deleted: deleted, stale: &stale)
    }

    /// Applies a run of watch events in order, rebuilding the derived indexes (aggregated
    /// ClusterRole rules, binding order) once at the end rather than after each object.
    ///
    /// - Returns: the error of each object that could not be applied; the others are applied.
    @discardableResult
    public mutating func apply(_ changes: [(object: JSONValue, deleted: Bool)]) -> [ApplyError] {
        var stale = StaleIndexes()
        var errors: [ApplyError] = []
        for change in changes {
            do { try apply(change.object, deleted: change.deleted, stale: &stale) } catch { errors.append(error) }
        }
        refresh(stale)
        return errors
    }

    private mutating func apply(_ object: JSONValue, deleted: Bool, stale: inout StaleIndexes) throws(ApplyError) {
        let kind = object["kind"]?.stringValue ?? ""
        func decode<T: Decodable>(_: T.Type) throws(ApplyError) -> T {
            do { return try object.decode(T.self) } catch { throw .undecodable(kind: kind, reason: "\(error)") }
        }
        switch kind {
        case "Role":
            let role = try decode(RbacV1.Role.self)
            if deleted { removeRole(namespace: role.metadata.namespace ?? "", name: role.metadata.name ?? "") } else { set(role) }
        case "ClusterRole":
            let role = try decode(RbacV1.ClusterRole.self)
            if deleted { removeClusterRole(name: role.metadata.name ?? "", stale: &stale) } else { store(role, stale: &stale) }
        case "RoleBinding":
            let binding = try decode(RbacV1.RoleBinding.self)
            if deleted {
                removeRoleBinding(namespace: binding.metadata.namespace ?? "", name: binding.metadata.name ?? "", stale: &stale)
            } else {
                store(binding, stale: &stale)
            }
        case "ClusterRoleBinding":
            let binding = try decode(RbacV1.ClusterRoleBinding.self)
            if deleted { removeClusterRoleBinding(name: binding.metadata.name ?? "", stale: &stale) } else { store(binding, stale: &stale) }
        default:
            throw .unsupportedKind(kind)
        }
    }
}
