import KubeAPI

/// A snapshot of the cluster's RBAC objects, indexed for authorization: Roles and RoleBindings
/// by namespace, ClusterRoles by name (with aggregated rules filled in), ClusterRoleBindings.
///
/// A value type: the composer builds it from the registry and swaps it into an
/// ``RBACAuthorizer`` whenever a watch reports a change (or mutates a copy with the `set` and
/// `remove` methods).
public struct RBACPolicy: Sendable {
    /// Roles by namespace, then name.
    public private(set) var roles: [String: [String: RbacV1.Role]] = [:]
    /// ClusterRoles by name, as stored.
    public private(set) var clusterRoles: [String: RbacV1.ClusterRole] = [:]
    /// RoleBindings by namespace, then name.
    public private(set) var roleBindings: [String: [String: RbacV1.RoleBinding]] = [:]
    /// ClusterRoleBindings by name.
    public private(set) var clusterRoleBindings: [String: RbacV1.ClusterRoleBinding] = [:]
    /// Whether aggregated ClusterRoles get their rules computed here rather than read as stored.
    public let resolvesAggregation: Bool
    /// The effective rules of each ClusterRole (aggregated ones computed when
    /// `resolvesAggregation`).
    public private(set) var clusterRoleRules: [String: [RbacV1.PolicyRule]] = [:]
    /// ClusterRoleBindings sorted by name (the order authorization walks them in).
    private var orderedClusterRoleBindings: [RbacV1.ClusterRoleBinding] = []
    /// RoleBindings per namespace, sorted by name.
    private var orderedRoleBindings: [String: [RbacV1.RoleBinding]] = [:]

    /// Creates a snapshot. With `resolvesAggregation` (the default), aggregated ClusterRoles are
    /// evaluated with the rules aggregation gives them, even before a controller writes them back.
    public init(
        roles: [RbacV1.Role] = [], clusterRoles: [RbacV1.ClusterRole] = [],
        roleBindings: [RbacV1.RoleBinding] = [], clusterRoleBindings: [RbacV1.ClusterRoleBinding] = [],
        resolvesAggregation: Bool = true
    ) {
        self.resolvesAggregation = resolvesAggregation
        for role in roles { self.roles[role.metadata.namespace ?? "", default: [:]][role.metadata.name ?? ""] = role }
        for role in clusterRoles { self.clusterRoles[role.metadata.name ?? ""] = role }
        for binding in roleBindings {
            self.roleBindings[binding.metadata.namespace ?? "", default: [:]][binding.metadata.name ?? ""] = binding
        }
        for binding in clusterRoleBindings { self.clusterRoleBindings[binding.metadata.name ?? ""] = binding }
        recomputeClusterRoleRules()
        reorderClusterRoleBindings()
        for namespace in self.roleBindings.keys { reorderRoleBindings(in: namespace) }
    }

    /// Adds or replaces a Role.
    public mutating func set(_ role: RbacV1.Role) {
        roles[role.metadata.namespace ?? "", default: [:]][role.metadata.name ?? ""] = role
    }

    /// Removes a Role.
    public mutating func removeRole(namespace: String, name: String) {
        roles[namespace]?[name] = nil
    }

    /// Adds or replaces a ClusterRole.
    public mutating func set(_ role: RbacV1.ClusterRole) {
        var stale = StaleIndexes()
        store(role, stale: &stale)
        refresh(stale)
    }

    /// Removes a ClusterRole.
    public mutating func removeClusterRole(name: String) {
        var stale = StaleIndexes()
        removeClusterRole(name: name, stale: &stale)
        refresh(stale)
    }

    /// Adds or replaces a RoleBinding.
    public mutating func set(_ binding: RbacV1.RoleBinding) {
        var stale = StaleIndexes()
        store(binding, stale: &stale)
        refresh(stale)
    }

    /// Removes a RoleBinding.
    public mutating func removeRoleBinding(namespace: String, name: String) {
        var stale = StaleIndexes()
        removeRoleBinding(namespace: namespace, name: name, stale: &stale)
        refresh(stale)
    }

    /// Adds or replaces a ClusterRoleBinding.
    public mutating func set(_ binding: RbacV1.ClusterRoleBinding) {
        var stale = StaleIndexes()
        store(binding, stale: &stale)
        refresh(stale)
    }

    /// Removes a ClusterRoleBinding.
    public mutating func removeClusterRoleBinding(name: String) {
        var stale = StaleIndexes()
        removeClusterRoleBinding(name: name, stale: &stale)
        refresh(stale)
    }

    // MARK: - Changes with deferred indexes

    /// The derived indexes a run of changes left out of date; ``refresh(_:)`` rebuilds them
    /// once, so applying n objects costs one aggregation pass rather than n.
    struct StaleIndexes {
        var clusterRoleRules = false
        var clusterRoleBindings = false
        var roleBindingNamespaces: Set<String> = []
    }

    mutating func store(_ role: RbacV1.ClusterRole, stale: inout StaleIndexes) {
        clusterRoles[role.metadata.name ?? ""] = role
        stale.clusterRoleRules = true
    }

    mutating func removeClusterRole(name: String, stale: inout StaleIndexes) {
        clusterRoles[name] = nil
        stale.clusterRoleRules = true
    }

    mutating func store(_ binding: RbacV1.RoleBinding, stale: inout StaleIndexes) {
        let namespace = binding.metadata.namespace ?? ""
        roleBindings[namespace, default: [:]][binding.metadata.name ?? ""] = binding
        stale.roleBindingNamespaces.insert(namespace)
    }

    mutating func removeRoleBinding(namespace: String, name: String, stale: inout StaleIndexes) {
        roleBindings[namespace]?[name] = nil
        stale.roleBindingNamespaces.insert(namespace)
    }

    mutating func store(_ binding: RbacV1.ClusterRoleBinding, stale: inout StaleIndexes) {
        clusterRoleBindings[binding.metadata.name ?? ""] = binding
        stale.clusterRoleBindings = true
    }

    mutating func removeClusterRoleBinding(name: String, stale: inout StaleIndexes) {
        clusterRoleBindings[name] = nil
        stale.clusterRoleBindings = true
    }

    /// Rebuilds the indexes `stale` names.
    mutating func refresh(_ stale: StaleIndexes) {
        if stale.clusterRoleRules { recomputeClusterRoleRules() }
        if stale.clusterRoleBindings { reorderClusterRoleBindings() }
        for namespace in stale.roleBindingNamespaces { reorderRoleBindings(in: namespace) }
    }

    private mutating func reorderClusterRoleBindings() {
        orderedClusterRoleBindings = clusterRoleBindings.keys.sorted().compactMap { clusterRoleBindings[$0] }
    }

    private mutating func reorderRoleBindings(in namespace: String) {
        let bindings = roleBindings[namespace] ?? [:]
        orderedRoleBindings[namespace] = bindings.isEmpty ? nil : bindings.keys.sorted().compactMap { bindings[$0] }
    }

    private mutating func recomputeClusterRoleRules() {
        let all = Array(clusterRoles.values)
        let effective = resolvesAggregation ? ClusterRoleAggregation.aggregate(all) : all
        clusterRoleRules = Dictionary(effective.map { ($0.metadata.name ?? "", $0.rules ?? []) }, uniquingKeysWith: { a, _ in a })
    }
}

extension RBACPolicy {
    /// One rule source found while walking the bindings that apply to a user.
    struct Grant {
        /// `RBAC: allowed by ...` text for this binding and subject.
        var reason: String
        /// The rules the bound role grants.
        var rules: [RbacV1.PolicyRule]
    }

    /// Walks the ClusterRoleBindings, then (for a namespace) that namespace's RoleBindings, whose
    /// subjects include `user`, calling `visit` with the rules each grants; stops when `visit`
    /// returns `true`. Returns the errors met (roles that do not exist).
    @discardableResult
    func visitGrants(for user: UserInfo, namespace: String, _ visit: (Grant) -> Bool) -> [String] {
        var errors: [String] = []
        for binding in orderedClusterRoleBindings {
            let name = binding.metadata.name ?? ""
            guard let subject = (binding.subjects ?? []).first(where: { RBACRuleMatching.subjectMatches($0, user: user, bindingNamespace: "") })
            else { continue }
            let roleName = binding.roleRef?.name ?? ""
            guard binding.roleRef?.kind == "ClusterRole", let rules = clusterRoleRules[roleName] else {
                errors.append("clusterrole.rbac.authorization.k8s.io \"\(roleName)\" not found")
                continue
            }
            let reason = "RBAC: allowed by ClusterRoleBinding \"\(name)\" of ClusterRole \"\(roleName)\" to \(RBACRuleMatching.describe(subject, bindingNamespace: ""))"
            if visit(Grant(reason: reason, rules: rules)) { return errors }
        }
        guard !namespace.isEmpty, let bindings = orderedRoleBindings[namespace] else { return errors }
        for binding in bindings {
            let name = binding.metadata.name ?? ""
            guard let subject = (binding.subjects ?? []).first(where: { RBACRuleMatching.subjectMatches($0, user: user, bindingNamespace: namespace) })
            else { continue }
            let roleName = binding.roleRef?.name ?? ""
            let kind = binding.roleRef?.kind ?? ""
            let rules: [RbacV1.PolicyRule]?
            switch kind {
            case "Role": rules = roles[namespace]?[roleName].map { $0.rules ?? [] }
            case "ClusterRole": rules = clusterRoleRules[roleName]
            default: rules = nil
            }
            guard let rules else {
                let resource = kind == "Role" ? "role" : "clusterrole"
                errors.append("\(resource).rbac.authorization.k8s.io \"\(roleName)\" not found")
                continue
            }
            let reason = "RBAC: allowed by RoleBinding \"\(name)/\(namespace)\" of \(kind) \"\(roleName)\" to \(RBACRuleMatching.describe(subject, bindingNamespace: namespace))"
            if visit(Grant(reason: reason, rules: rules)) { return errors }
        }
        return errors
    }
}
