import KubeAPI

/// The default RBAC objects an API server creates on start: the user-facing roles
/// (`cluster-admin`, `admin`, `edit`, `view` and their aggregation parts), the `system:` roles
/// of discovery, basic users, nodes and the control-plane components, the `system:controller:`
/// roles of the controllers, and the bindings that tie them to their users, groups and service
/// accounts. Every object carries the `kubernetes.io/bootstrapping: rbac-defaults` label and the
/// `rbac.authorization.kubernetes.io/autoupdate: "true"` annotation.
public enum BootstrapPolicy {
    /// What to include beyond upstream's defaults.
    public struct Options: Sendable, Hashable {
        /// Bind `system:node` to the `system:nodes` group. Upstream leaves that binding without
        /// subjects because its Node authorizer covers kubelets; without a Node authorizer the
        /// binding is what lets kubelets work. On by default.
        public var bindNodesGroup: Bool

        /// Creates options.
        public init(bindNodesGroup: Bool = true) {
            self.bindNodesGroup = bindNodesGroup
        }
    }

    /// The label every bootstrap object carries.
    public static let labels = ["kubernetes.io/bootstrapping": "rbac-defaults"]
    /// The annotation every bootstrap object carries (reconciled on start when `"true"`).
    public static let annotations = ["rbac.authorization.kubernetes.io/autoupdate": "true"]
    /// `rbac.authorization.k8s.io/aggregate-to-admin`.
    public static let aggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
    /// `rbac.authorization.k8s.io/aggregate-to-edit`.
    public static let aggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit"
    /// `rbac.authorization.k8s.io/aggregate-to-view`.
    public static let aggregateToView = "rbac.authorization.k8s.io/aggregate-to-view"

    /// All bootstrap objects as one policy snapshot (aggregation resolved).
    public static func policy(_ options: Options = Options()) -> RBACPolicy {
        RBACPolicy(
            roles: roles(), clusterRoles: clusterRoles(), roleBindings: roleBindings(),
            clusterRoleBindings: clusterRoleBindings(options))
    }

    /// All bootstrap objects as JSON, cluster roles first, then cluster role bindings, roles and
    /// role bindings (the order to create them in).
    ///
    /// - Throws: only if encoding fails, which the generated types do not do.
    public static func objects(_ options: Options = Options()) throws -> [JSONValue] {
        try clusterRoles().map { try JSONValue(encoding: $0) }
            + clusterRoleBindings(options).map { try JSONValue(encoding: $0) }
            + roles().map { try JSONValue(encoding: $0) }
            + roleBindings().map { try JSONValue(encoding: $0) }
    }

    // MARK: - Building blocks

    static let read = ["get", "list", "watch"]
    static let write = ["create", "update", "patch", "delete", "deletecollection"]
    static let readWrite = read + write
    static let core = ""
    static let apps = "apps"
    static let batch = "batch"
    static let autoscaling = "autoscaling"
    static let extensions = "extensions"
    static let policyGroup = "policy"
    static let networking = "networking.k8s.io"
    static let discovery = "discovery.k8s.io"
    static let storage = "storage.k8s.io"
    static let coordination = "coordination.k8s.io"
    static let events = "events.k8s.io"
    static let rbac = "rbac.authorization.k8s.io"
    static let certificates = "certificates.k8s.io"
    static let authentication = "authentication.k8s.io"
    static let authorization = "authorization.k8s.io"

    /// A resource rule.
    static func rule(_ verbs: [String], _ groups: [String], _ resources: [String], names: [String]? = nil) -> RbacV1.PolicyRule {
        RbacV1.PolicyRule(apiGroups: groups, resourceNames: names, resources: resources, verbs: verbs)
    }

    /// A non-resource rule.
    static func paths(_ verbs: [String], _ urls: [String]) -> RbacV1.PolicyRule {
        RbacV1.PolicyRule(nonResourceURLs: urls, verbs: verbs)
    }

    /// The events rule controllers share.
    static let eventsRule = rule(["create", "update", "patch"], [core, events], ["events"])

    static func meta(_ name: String, namespace: String? = nil, extraLabels: [String: String] = [:]) -> MetaV1.ObjectMeta {
        MetaV1.ObjectMeta(
            annotations: annotations, labels: labels.merging(extraLabels) { a, _ in a }, name: name, namespace: namespace)
    }

    static func clusterRole(
        _ name: String, labels extra: [String: String] = [:], aggregating: [String]? = nil, _ rules: [RbacV1.PolicyRule]
    ) -> RbacV1.ClusterRole {
        RbacV1.ClusterRole(
            aggregationRule: aggregating.map { keys in
                RbacV1.AggregationRule(clusterRoleSelectors: keys.map { MetaV1.LabelSelector(matchLabels: [$0: "true"]) })
            },
            metadata: meta(name, extraLabels: extra), rules: aggregating == nil ? rules : [])
    }

    static func user(_ name: String) -> RbacV1.Subject { RbacV1.Subject(apiGroup: rbac, kind: "User", name: name) }
    static func group(_ name: String) -> RbacV1.Subject { RbacV1.Subject(apiGroup: rbac, kind: "Group", name: name) }
    static func serviceAccount(_ namespace: String, _ name: String) -> RbacV1.Subject {
        RbacV1.Subject(kind: "ServiceAccount", name: name, namespace: namespace)
    }

    static func clusterBinding(_ name: String, role: String? = nil, _ subjects: [RbacV1.Subject]) -> RbacV1.ClusterRoleBinding {
        RbacV1.ClusterRoleBinding(
            metadata: meta(name), roleRef: RbacV1.RoleRef(apiGroup: rbac, kind: "ClusterRole", name: role ?? name),
            subjects: subjects.isEmpty ? nil : subjects)
    }
}
