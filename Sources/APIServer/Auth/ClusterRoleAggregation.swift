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
        return rules(selectedBy: parsed(selectors), excluding: role.metadata.name, in: roles, order: nameOrder(roles))
    }

    /// All cluster roles with aggregated rules filled in, repeated until nothing changes, so an
    /// aggregated role picked by another (edit into admin) contributes its aggregated rules.
    /// Roles without an aggregation rule are returned unchanged.
    public static func aggregate(_ roles: [RbacV1.ClusterRole]) -> [RbacV1.ClusterRole] {
        var current = roles
        // Names and selectors do not change while rules are filled in: sort and parse once.
        let aggregated: [(index: Int, selectors: [LabelSelector])] = current.indices.compactMap { index in
            current[index].aggregationRule?.clusterRoleSelectors.map { (index, parsed($0)) }
        }
        guard !aggregated.isEmpty else { return current }
        let order = nameOrder(current)
        // Each pass settles at least one more level of nesting; the bound stops cycles.
        for _ in 0...max(1, roles.count) {
            var changed = false
            for (index, selectors) in aggregated {
                let rules = rules(selectedBy: selectors, excluding: current[index].metadata.name, in: current, order: order)
                if (current[index].rules ?? []) != rules {
                    current[index].rules = rules
                    changed = true
                }
            }
            if !changed { break }
        }
        return current
    }

    /// The selectors that can select something (an unparsable one selects nothing).
    private static func parsed(_ selectors: [MetaV1.LabelSelector]) -> [LabelSelector] {
        selectors.compactMap { selector in
            guard let parsed = try? LabelSelector(selector), !parsed.isNothing else { return nil }
            return parsed
        }
    }

    /// The indices of `roles` in name order.
    private static func nameOrder(_ roles: [RbacV1.ClusterRole]) -> [Int] {
        roles.indices.sorted { (roles[$0].metadata.name ?? "") < (roles[$1].metadata.name ?? "") }
    }

    /// For each selector in turn, the rules of the roles it matches (in `order`, skipping the
    /// role named `excluded`), each distinct rule once.
    private static func rules(
        selectedBy selectors: [LabelSelector], excluding excluded: String?, in roles: [RbacV1.ClusterRole], order: [Int]
    ) -> [RbacV1.PolicyRule] {
        var rules: [RbacV1.PolicyRule] = []
        for selector in selectors {
            for index in order where roles[index].metadata.name != excluded {
                guard selector.matches(roles[index].metadata.labels ?? [:]) else { continue }
                for rule in roles[index].rules ?? [] where !rules.contains(rule) {
                    rules.append(rule)
                }
            }
        }
        return rules
    }

    /// The aggregated roles whose stored rules differ from what aggregation computes, with the
    /// computed rules in place: what a controller writes back.
    public static func changedRoles(_ roles: [RbacV1.ClusterRole]) -> [RbacV1.ClusterRole] {
        let aggregated = aggregate(roles)
        return zip(roles, aggregated).compactMap { old, new in old.rules != new.rules ? new : nil }
    }
}
