import KubeAPI

/// Fills the rules of aggregated ClusterRoles (those with an `aggregationRule`) from the
/// ClusterRoles their label selectors pick, as the cluster-role aggregation controller does:
/// for each selector in order, the matching roles (other than the role itself) sorted by name
/// contribute their rules, each distinct rule once.
public enum ClusterRoleAggregation {
    /// The aggregated rules of `role` given all cluster roles `roles`; `nil` when `role` has no
    /// aggregation rule. A selector that cannot be parsed selects nothing.
    public static func aggregatedRules(for role: RbacV1.ClusterRole, in roles: [RbacV1.ClusterRole]) -> [RbacV1.PolicyRule]? {
        guard let selectors = role.aggregationRule?.clusterRoleSelectors else { return nil }
        let sorted = roles.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
        var rules: [RbacV1.PolicyRule] = []
        for selector in selectors {
            guard let parsed = try? LabelSelector(selector), !parsed.isNothing else { continue }
            for candidate in sorted where candidate.metadata.name != role.metadata.name {
                guard parsed.matches(candidate.metadata.labels ?? [:]) else { continue }
                for rule in candidate.rules ?? [] where !rules.contains(rule) {
                    rules.append(rule)
                }
            }
        }
        return rules
    }

    /// All cluster roles with aggregated rules filled in, repeated until nothing changes, so an
    /// aggregated role picked by another (edit into admin) contributes its aggregated rules.
    /// Roles without an aggregation rule are returned unchanged.
    public static func aggregate(_ roles: [RbacV1.ClusterRole]) -> [RbacV1.ClusterRole] {
        var current = roles
        // Each pass settles at least one more level of nesting; the bound stops cycles.
        for _ in 0...max(1, roles.count) {
            var changed = false
            for index in current.indices {
                guard let rules = aggregatedRules(for: current[index], in: current) else { continue }
                if (current[index].rules ?? []) != rules {
                    current[index].rules = rules
                    changed = true
                }
            }
            if !changed { break }
        }
        return current
    }

    /// The aggregated roles whose stored rules differ from what aggregation computes, with the
    /// computed rules in place: what a controller writes back.
    public static func changedRoles(_ roles: [RbacV1.ClusterRole]) -> [RbacV1.ClusterRole] {
        let aggregated = aggregate(roles)
        return zip(roles, aggregated).compactMap { old, new in old.rules != new.rules ? new : nil }
    }
}
