import KubeAPI
import Testing
@testable import APIServer

@Suite struct AuthBootstrapPolicyTests {
    static let authorizer = AuthorizerChain([SuperuserAuthorizer(), RBACAuthorizer(policy: BootstrapPolicy.policy())])

    /// A policy where `alice` is bound to the cluster role `role` in namespace `team`.
    static func bound(to role: String) -> RBACAuthorizer {
        var policy = BootstrapPolicy.policy()
        policy.set(RbacV1.RoleBinding(
            metadata: MetaV1.ObjectMeta(name: "alice-\(role)", namespace: "team"),
            roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role),
            subjects: [RbacV1.Subject(apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice")]))
        return RBACAuthorizer(policy: policy)
    }

    static let alice = UserInfo(name: "alice", groups: ["system:authenticated"])

    struct Case: Sendable, CustomStringConvertible {
        var role: String
        var request: RequestInfo
        var allowed: Bool
        var description: String { "\(role) \(request.verb) \(request.resource)/\(request.subresource) \(request.path)" }
    }

    static let cases: [Case] = [
        Case(role: "view", request: .resource(verb: "get", resource: "pods", namespace: "team", name: "p"), allowed: true),
        Case(role: "view", request: .resource(verb: "list", group: "apps", resource: "deployments", namespace: "team"), allowed: true),
        Case(role: "view", request: .resource(verb: "get", resource: "secrets", namespace: "team", name: "s"), allowed: false),
        Case(role: "view", request: .resource(verb: "create", resource: "configmaps", namespace: "team"), allowed: false),
        Case(role: "view", request: .resource(verb: "get", resource: "pods", subresource: "log", namespace: "team", name: "p"), allowed: true),
        Case(role: "view", request: .resource(verb: "get", resource: "pods", namespace: "other", name: "p"), allowed: false),
        Case(role: "edit", request: .resource(verb: "create", group: "apps", resource: "deployments", namespace: "team"), allowed: true),
        Case(role: "edit", request: .resource(verb: "get", resource: "secrets", namespace: "team", name: "s"), allowed: true),
        Case(role: "edit", request: .resource(verb: "patch", group: "apps", resource: "deployments", subresource: "scale", namespace: "team", name: "w"), allowed: true),
        Case(role: "edit", request: .resource(verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "team", name: "sa"), allowed: true),
        Case(role: "edit", request: .resource(verb: "list", resource: "pods", namespace: "team"), allowed: true),
        Case(role: "edit", request: .resource(verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: "team"), allowed: false),
        Case(role: "admin", request: .resource(verb: "create", group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: "team"), allowed: true),
        Case(role: "admin", request: .resource(verb: "delete", group: "batch", resource: "jobs", namespace: "team", name: "j"), allowed: true),
        Case(role: "admin", request: .resource(verb: "get", resource: "pods", namespace: "team", name: "p"), allowed: true),
        Case(role: "admin", request: .resource(verb: "create", resource: "namespaces"), allowed: false),
    ]

    @Test(arguments: cases)
    func userFacingRoles(_ c: Case) async {
        let decision = await Self.bound(to: c.role).authorize(AuthorizationAttributes(user: Self.alice, request: c.request))
        #expect(decision.isAllowed == c.allowed)
    }

    struct SystemCase: Sendable, CustomStringConvertible {
        var user: UserInfo
        var request: RequestInfo
        var allowed: Bool
        var description: String { "\(user.name) \(request.verb) \(request.resource) \(request.path)" }
    }

    static let systemCases: [SystemCase] = [
        SystemCase(user: UserInfo(name: "admin", groups: ["system:masters"]), request: .resource(verb: "delete", resource: "nodes", name: "n"), allowed: true),
        SystemCase(user: UserInfo(name: "admin", groups: ["system:masters"]), request: .nonResource(verb: "post", path: "/anything"), allowed: true),
        SystemCase(user: alice, request: .nonResource(verb: "get", path: "/apis/apps/v1"), allowed: true),
        SystemCase(user: alice, request: .nonResource(verb: "get", path: "/version"), allowed: true),
        SystemCase(user: alice, request: .nonResource(verb: "get", path: "/metrics"), allowed: false),
        SystemCase(user: alice, request: .resource(verb: "create", group: "authorization.k8s.io", resource: "selfsubjectaccessreviews"), allowed: true),
        SystemCase(user: alice, request: .resource(verb: "create", group: "authentication.k8s.io", resource: "selfsubjectreviews"), allowed: true),
        SystemCase(user: alice, request: .resource(verb: "get", resource: "pods", namespace: "default", name: "p"), allowed: false),
        SystemCase(user: .anonymous, request: .nonResource(verb: "get", path: "/healthz"), allowed: true),
        SystemCase(user: .anonymous, request: .nonResource(verb: "get", path: "/api"), allowed: false),
        SystemCase(user: UserInfo(name: "system:kube-scheduler"), request: .resource(verb: "create", resource: "pods", subresource: "binding", namespace: "d", name: "p"), allowed: true),
        SystemCase(user: UserInfo(name: "system:kube-proxy"), request: .resource(verb: "watch", group: "discovery.k8s.io", resource: "endpointslices"), allowed: true),
        SystemCase(user: UserInfo(name: "system:node:n1", groups: ["system:nodes"]), request: .resource(verb: "patch", resource: "nodes", subresource: "status", name: "n1"), allowed: true),
        SystemCase(user: UserInfo(name: "system:serviceaccount:kube-system:deployment-controller"),
                   request: .resource(verb: "create", group: "apps", resource: "replicasets", namespace: "d"), allowed: true),
        SystemCase(user: UserInfo(name: "system:serviceaccount:kube-system:deployment-controller"),
                   request: .resource(verb: "create", resource: "secrets", namespace: "d"), allowed: false),
    ]

    @Test(arguments: systemCases)
    func systemRoles(_ c: SystemCase) async {
        let decision = await Self.authorizer.authorize(AuthorizationAttributes(user: c.user, request: c.request))
        #expect(decision.isAllowed == c.allowed)
    }

    @Test func mastersAreAllowedByRBACTooWithTheUpstreamReason() async {
        let decision = await RBACAuthorizer(policy: BootstrapPolicy.policy())
            .authorize(AuthorizationAttributes(user: UserInfo(name: "admin", groups: ["system:masters"]), request: .resource(verb: "get", resource: "secrets", name: "s")))
        #expect(decision == .allow(reason: "RBAC: allowed by ClusterRoleBinding \"cluster-admin\" of ClusterRole \"cluster-admin\" to Group \"system:masters\""))
    }

    @Test func objectsCarryTheBootstrapLabelsAndDecode() throws {
        let objects = try BootstrapPolicy.objects()
        #expect(objects.count == BootstrapPolicy.clusterRoles().count + BootstrapPolicy.clusterRoleBindings().count
                + BootstrapPolicy.roles().count + BootstrapPolicy.roleBindings().count)
        for object in objects {
            #expect(object[path: "metadata", "labels", "kubernetes.io/bootstrapping"]?.stringValue == "rbac-defaults")
            #expect(object[path: "metadata", "annotations", "rbac.authorization.kubernetes.io/autoupdate"]?.stringValue == "true")
            #expect(object["apiVersion"]?.stringValue == "rbac.authorization.k8s.io/v1")
        }
        let names = BootstrapPolicy.clusterRoles().compactMap(\.metadata.name)
        #expect(Set(names).count == names.count)
        for required in ["cluster-admin", "admin", "edit", "view", "system:discovery", "system:basic-user", "system:public-info-viewer",
                         "system:node", "system:node-proxier", "system:kube-scheduler", "system:kube-controller-manager",
                         "system:controller:deployment-controller", "system:controller:replicaset-controller"] {
            #expect(names.contains(required), "missing \(required)")
        }
        let view = try #require(objects.first { $0[path: "metadata", "name"]?.stringValue == "view" && $0["kind"]?.stringValue == "ClusterRole" })
        #expect(view[path: "metadata", "labels", "rbac.authorization.k8s.io/aggregate-to-edit"]?.stringValue == "true")
        #expect(view[path: "aggregationRule", "clusterRoleSelectors"]?[0]?[path: "matchLabels", "rbac.authorization.k8s.io/aggregate-to-view"]?.stringValue == "true")
    }

    @Test func viewEditAndAdminMayReadResourceMetrics() {
        let aggregated = ClusterRoleAggregation.aggregate(BootstrapPolicy.clusterRoles())
        for name in ["view", "edit", "admin"] {
            let rules = aggregated.first { $0.metadata.name == name }?.rules ?? []
            #expect(rules.contains { rule in
                rule.apiGroups == ["metrics.k8s.io"] && Set(rule.resources ?? []) == ["pods", "nodes"] && rule.verbs?.contains("list") == true
            }, "\(name) lacks metrics.k8s.io")
        }
        // Nothing beyond reading.
        let reader = BootstrapPolicy.clusterRoles().first { $0.metadata.name == "system:aggregated-metrics-reader" }
        #expect(reader?.rules?.flatMap { $0.verbs ?? [] } == ["get", "list", "watch"])
    }

    @Test func everyBindingRefersToABootstrapRole() {
        let clusterRoles = Set(BootstrapPolicy.clusterRoles().compactMap(\.metadata.name))
        for binding in BootstrapPolicy.clusterRoleBindings() {
            #expect(clusterRoles.contains(binding.roleRef?.name ?? ""), "\(binding.metadata.name ?? "")")
        }
        let roles = Set(BootstrapPolicy.roles().map { "\($0.metadata.namespace ?? "")/\($0.metadata.name ?? "")" })
        for binding in BootstrapPolicy.roleBindings() {
            #expect(roles.contains("\(binding.metadata.namespace ?? "")/\(binding.roleRef?.name ?? "")"))
        }
    }
}
