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
        for object in objects { try apply(object) }
    }

    /// Adds, replaces (or with `deleted`, removes) one RBAC object given as JSON, as a watch
    /// event reports it.
    ///
    /// - Throws: ``ApplyError`` for an object of another kind or one that does not decode.
    public mutating func apply(_ object: JSONValue, deleted: Bool = false) throws(ApplyError) {
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
            if deleted { removeClusterRole(name: role.metadata.name ?? "") } else { set(role) }
        case "RoleBinding":
            let binding = try decode(RbacV1.RoleBinding.self)
            if deleted {
                removeRoleBinding(namespace: binding.metadata.namespace ?? "", name: binding.metadata.name ?? "")
            } else {
                set(binding)
            }
        case "ClusterRoleBinding":
            let binding = try decode(RbacV1.ClusterRoleBinding.self)
            if deleted { removeClusterRoleBinding(name: binding.metadata.name ?? "") } else { set(binding) }
        default:
            throw .unsupportedKind(kind)
        }
    }
}
