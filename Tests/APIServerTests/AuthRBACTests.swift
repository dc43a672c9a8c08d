import KubeAPI
import Testing
@testable import APIServer

@Suite struct AuthRBACTests {
    static func rule(
        _ verbs: [String], groups: [String] = [""], resources: [String] = [], names: [String]? = nil, urls: [String]? = nil
    ) -> RbacV1.PolicyRule {
        RbacV1.PolicyRule(apiGroups: urls == nil ? groups : nil, nonResourceURLs: urls, resourceNames: names, resources: urls == nil ? resources : nil, verbs: verbs)
    }

    struct MatchCase: Sendable, CustomStringConvertible {
        var label: String
        var rule: RbacV1.PolicyRule
        var request: RequestInfo
        var allowed: Bool
        var description: String { label }
    }

    static let matchCases: [MatchCase] = [
        MatchCase(label: "exact verb/group/resource", rule: rule(["get"], resources: ["pods"]),
                  request: .resource(verb: "get", resource: "pods", namespace: "default", name: "x"), allowed: true),
        MatchCase(label: "other verb", rule: rule(["get"], resources: ["pods"]),
                  request: .resource(verb: "delete", resource: "pods", name: "x"), allowed: false),
        MatchCase(label: "verb wildcard", rule: rule(["*"], resources: ["pods"]),
                  request: .resource(verb: "deletecollection", resource: "pods"), allowed: true),
        MatchCase(label: "other group", rule: rule(["get"], resources: ["deployments"]),
                  request: .resource(verb: "get", group: "apps", resource: "deployments"), allowed: false),
        MatchCase(label: "group wildcard", rule: rule(["get"], groups: ["*"], resources: ["deployments"]),
                  request: .resource(verb: "get", group: "apps", resource: "deployments"), allowed: true),
        MatchCase(label: "resource wildcard", rule: rule(["list"], groups: ["apps"], resources: ["*"]),
                  request: .resource(verb: "list", group: "apps", resource: "statefulsets"), allowed: true),
        MatchCase(label: "resource wildcard covers subresources", rule: rule(["get"], resources: ["*"]),
                  request: .resource(verb: "get", resource: "pods", subresource: "log", name: "p"), allowed: true),
        MatchCase(label: "resource does not cover subresource", rule: rule(["get"], resources: ["pods"]),
                  request: .resource(verb: "get", resource: "pods", subresource: "log", name: "p"), allowed: false),
        MatchCase(label: "resource/subresource", rule: rule(["get"], resources: ["pods/log"]),
                  request: .resource(verb: "get", resource: "pods", subresource: "log", name: "p"), allowed: true),
        MatchCase(label: "subresource rule does not cover the resource", rule: rule(["get"], resources: ["pods/log"]),
                  request: .resource(verb: "get", resource: "pods", name: "p"), allowed: false),
        MatchCase(label: "*/subresource", rule: rule(["update"], groups: ["*"], resources: ["*/scale"]),
                  request: .resource(verb: "update", group: "apps", resource: "deployments", subresource: "scale", name: "w"), allowed: true),
        MatchCase(label: "*/subresource other subresource", rule: rule(["update"], groups: ["*"], resources: ["*/scale"]),
                  request: .resource(verb: "update", group: "apps", resource: "deployments", subresource: "status", name: "w"), allowed: false),
        MatchCase(label: "resourceNames match", rule: rule(["get"], resources: ["configmaps"], names: ["a", "b"]),
                  request: .resource(verb: "get", resource: "configmaps", name: "b"), allowed: true),
        MatchCase(label: "resourceNames other name", rule: rule(["get"], resources: ["configmaps"], names: ["a"]),
                  request: .resource(verb: "get", resource: "configmaps", name: "c"), allowed: false),
        MatchCase(label: "resourceNames never match list", rule: rule(["list"], resources: ["configmaps"], names: ["a"]),
                  request: .resource(verb: "list", resource: "configmaps"), allowed: false),
        MatchCase(label: "empty resourceNames means any", rule: rule(["get"], resources: ["configmaps"], names: []),
                  request: .resource(verb: "get", resource: "configmaps", name: "z"), allowed: true),
        MatchCase(label: "non-resource exact", rule: rule(["get"], urls: ["/healthz"]),
                  request: .nonResource(verb: "get", path: "/healthz"), allowed: true),
        MatchCase(label: "non-resource other path", rule: rule(["get"], urls: ["/healthz"]),
                  request: .nonResource(verb: "get", path: "/healthz/etcd"), allowed: false),
        MatchCase(label: "non-resource prefix wildcard", rule: rule(["get"], urls: ["/apis/*"]),
                  request: .nonResource(verb: "get", path: "/apis/apps/v1"), allowed: true),
        MatchCase(label: "non-resource prefix wildcard needs the prefix", rule: rule(["get"], urls: ["/apis/*"]),
                  request: .nonResource(verb: "get", path: "/apis"), allowed: false),
        MatchCase(label: "non-resource star", rule: rule(["*"], urls: ["*"]),
                  request: .nonResource(verb: "post", path: "/anything"), allowed: true),
        MatchCase(label: "non-resource verb", rule: rule(["get"], urls: ["*"]),
                  request: .nonResource(verb: "post", path: "/x"), allowed: false),
        MatchCase(label: "resource rule never matches a path", rule: rule(["*"], groups: ["*"], resources: ["*"]),
                  request: .nonResource(verb: "get", path: "/healthz"), allowed: false),
        MatchCase(label: "path rule never matches a resource", rule: rule(["*"], urls: ["*"]),
                  request: .resource(verb: "get", resource: "pods"), allowed: false),
    ]

    @Test(arguments: matchCases)
    func ruleMatching(_ c: MatchCase) {
        #expect(RBACRuleMatching.allows(c.rule, c.request) == c.allowed)
    }

    // MARK: - Bindings

    static let bob = UserInfo(name: "bob", groups: ["devs", "system:authenticated"])
    static let builder = UserInfo(name: "system:serviceaccount:ci:builder", groups: ServiceAccountNames.groups(namespace: "ci"))

    static func meta(_ name: String, _ namespace: String? = nil, labels: [String: String]? = nil) -> MetaV1.ObjectMeta {
        MetaV1.ObjectMeta(labels: labels, name: name, namespace: namespace)
    }

    static let policy = RBACPolicy(
        roles: [
            RbacV1.Role(metadata: meta("pod-reader", "team"), rules: [rule(["get", "list"], resources: ["pods"])]),
        ],
        clusterRoles: [
            RbacV1.ClusterRole(metadata: meta("cm-writer"), rules: [rule(["create", "update"], resources: ["configmaps"])]),
            RbacV1.ClusterRole(metadata: meta("node-reader"), rules: [rule(["get"], resources: ["nodes"])]),
        ],
        roleBindings: [
            RbacV1.RoleBinding(
                metadata: meta("bob-reads-pods", "team"), roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader"),
                subjects: [RbacV1.Subject(apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "bob")]),
            RbacV1.RoleBinding(
                metadata: meta("devs-write-cms", "team"), roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cm-writer"),
                subjects: [RbacV1.Subject(apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "devs")]),
            RbacV1.RoleBinding(
                metadata: meta("builder-reads-pods", "ci"), roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cm-writer"),
                subjects: [RbacV1.Subject(kind: "ServiceAccount", name: "builder")]),
            RbacV1.RoleBinding(
                metadata: meta("dangling", "team"), roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "missing"),
                subjects: [RbacV1.Subject(apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "eve")]),
        ],
        clusterRoleBindings: [
            RbacV1.ClusterRoleBinding(
                metadata: meta("builder-nodes"), roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "node-reader"),
                subjects: [RbacV1.Subject(kind: "ServiceAccount", name: "builder", namespace: "ci")]),
            RbacV1.ClusterRoleBinding(
                metadata: meta("sa-without-namespace"), roleRef: RbacV1.RoleRef(apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cm-writer"),
                subjects: [RbacV1.Subject(kind: "ServiceAccount", name: "builder")]),
        ])

    struct BindingCase: Sendable, CustomStringConvertible {
        var label: String
        var user: UserInfo
        var request: RequestInfo
        var allowed: Bool
        var reason = ""
        var description: String { label }
    }

    static let bindingCases: [BindingCase] = [
        BindingCase(label: "role binding to user", user: bob, request: .resource(verb: "get", resource: "pods", namespace: "team", name: "p"),
                    allowed: true, reason: "RBAC: allowed by RoleBinding \"bob-reads-pods/team\" of Role \"pod-reader\" to User \"bob\""),
        BindingCase(label: "role binding is namespaced", user: bob, request: .resource(verb: "get", resource: "pods", namespace: "other", name: "p"), allowed: false),
        BindingCase(label: "role binding does not grant cluster scope", user: bob, request: .resource(verb: "list", resource: "pods"), allowed: false),
        BindingCase(label: "group subject via cluster role", user: bob, request: .resource(verb: "create", resource: "configmaps", namespace: "team"),
                    allowed: true, reason: "RBAC: allowed by RoleBinding \"devs-write-cms/team\" of ClusterRole \"cm-writer\" to Group \"devs\""),
        BindingCase(label: "group not held", user: UserInfo(name: "carol", groups: ["ops"]), request: .resource(verb: "create", resource: "configmaps", namespace: "team"), allowed: false),
        BindingCase(label: "service account subject defaults to binding namespace", user: builder,
                    request: .resource(verb: "update", resource: "configmaps", namespace: "ci", name: "c"), allowed: true,
                    reason: "RBAC: allowed by RoleBinding \"builder-reads-pods/ci\" of ClusterRole \"cm-writer\" to ServiceAccount \"builder/ci\""),
        BindingCase(label: "service account in a cluster binding", user: builder, request: .resource(verb: "get", resource: "nodes", name: "n1"), allowed: true,
                    reason: "RBAC: allowed by ClusterRoleBinding \"builder-nodes\" of ClusterRole \"node-reader\" to ServiceAccount \"builder/ci\""),
        BindingCase(label: "cluster binding service account without namespace matches nobody", user: builder,
                    request: .resource(verb: "create", resource: "configmaps", namespace: "team"), allowed: false),
        BindingCase(label: "same name in another namespace is another account",
                    user: UserInfo(name: "system:serviceaccount:other:builder"), request: .resource(verb: "get", resource: "nodes", name: "n1"), allowed: false),
        BindingCase(label: "binding to a missing role", user: UserInfo(name: "eve"), request: .resource(verb: "get", resource: "pods", namespace: "team"), allowed: false,
                    reason: "RBAC: role.rbac.authorization.k8s.io \"missing\" not found"),
    ]

    @Test(arguments: bindingCases)
    func bindings(_ c: BindingCase) async {
        let authorizer = RBACAuthorizer(policy: Self.policy)
        let decision = await authorizer.authorize(AuthorizationAttributes(user: c.user, request: c.request))
        #expect(decision.isAllowed == c.allowed)
        #expect(decision.reason == c.reason)
    }

    @Test func updatingThePolicyTakesEffect() async {
        let authorizer = RBACAuthorizer()
        let attributes = AuthorizationAttributes(user: Self.bob, request: .resource(verb: "get", resource: "pods", namespace: "team", name: "p"))
        #expect(await authorizer.authorize(attributes).isAllowed == false)
        authorizer.update(policy: Self.policy)
        #expect(await authorizer.authorize(attributes).isAllowed)
        authorizer.modify { $0.removeRoleBinding(namespace: "team", name: "bob-reads-pods") }
        #expect(await authorizer.authorize(attributes).isAllowed == false)
    }

    @Test func rulesForAUser() async {
        let rules = await RBACAuthorizer(policy: Self.policy).rules(for: Self.bob, namespace: "team")
        #expect(rules.resourceRules.contains(AuthorizationV1.ResourceRule(apiGroups: [""], resources: ["pods"], verbs: ["get", "list"])))
        #expect(rules.resourceRules.contains(AuthorizationV1.ResourceRule(apiGroups: [""], resources: ["configmaps"], verbs: ["create", "update"])))
        #expect(rules.resourceRules.count == 2)
        #expect(rules.evaluationErrors.isEmpty)
        let elsewhere = await RBACAuthorizer(policy: Self.policy).rules(for: Self.bob, namespace: "other")
        #expect(elsewhere.resourceRules.isEmpty)
    }

    // MARK: - Aggregation

    @Test func aggregationCollectsLabelledRolesTransitively() throws {
        let selector = { (key: String) in RbacV1.AggregationRule(clusterRoleSelectors: [MetaV1.LabelSelector(matchLabels: [key: "true"])]) }
        let roles = [
            RbacV1.ClusterRole(aggregationRule: selector("to-top"), metadata: Self.meta("top")),
            RbacV1.ClusterRole(aggregationRule: selector("to-middle"), metadata: Self.meta("middle", labels: ["to-top": "true"])),
            RbacV1.ClusterRole(metadata: Self.meta("b-part", labels: ["to-middle": "true"]), rules: [Self.rule(["get"], resources: ["pods"])]),
            RbacV1.ClusterRole(metadata: Self.meta("a-part", labels: ["to-middle": "true", "to-top": "true"]), rules: [Self.rule(["list"], resources: ["pods"])]),
            RbacV1.ClusterRole(metadata: Self.meta("unrelated"), rules: [Self.rule(["delete"], resources: ["pods"])]),
        ]
        let aggregated = Dictionary(uniqueKeysWithValues: ClusterRoleAggregation.aggregate(roles).map { ($0.metadata.name!, $0.rules ?? []) })
        #expect(aggregated["middle"] == [Self.rule(["list"], resources: ["pods"]), Self.rule(["get"], resources: ["pods"])])
        #expect(aggregated["top"] == [Self.rule(["list"], resources: ["pods"]), Self.rule(["get"], resources: ["pods"])])
        #expect(aggregated["unrelated"] == [Self.rule(["delete"], resources: ["pods"])])
        let changed = ClusterRoleAggregation.changedRoles(roles).map { $0.metadata.name }
        #expect(Set(changed) == ["top", "middle"])
        #expect(ClusterRoleAggregation.changedRoles(ClusterRoleAggregation.aggregate(roles)).isEmpty)
    }
}

@Suite struct AuthRBACPolicyJSONTests {
    @Test func buildsFromJSONAndAppliesWatchEvents() async throws {
        let objects = try BootstrapPolicy.objects()
        var policy = try RBACPolicy(objects: objects)
        #expect(policy.clusterRoles.count == BootstrapPolicy.clusterRoles().count)
        #expect(policy.clusterRoleRules["view"]?.isEmpty == false)
        let binding: JSONValue = [
            "kind": "RoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "b", "namespace": "team"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"],
            "subjects": [["kind": "User", "name": "zed", "apiGroup": "rbac.authorization.k8s.io"]],
        ]
        try policy.apply(binding)
        let attributes = AuthorizationAttributes(user: UserInfo(name: "zed"), request: .resource(verb: "list", resource: "pods", namespace: "team"))
        #expect(await RBACAuthorizer(policy: policy).authorize(attributes).isAllowed)
        try policy.apply(binding, deleted: true)
        #expect(await RBACAuthorizer(policy: policy).authorize(attributes).isAllowed == false)
        #expect(throws: RBACPolicy.ApplyError.unsupportedKind("Pod")) { try policy.apply(["kind": "Pod"]) }
        #expect(throws: RBACPolicy.ApplyError.self) { try policy.apply(["kind": "Role", "rules": 5]) }
    }

    @Test func aBatchOfEventsGivesTheSamePolicyAsOneAtATime() async throws {
        let objects = try BootstrapPolicy.objects()
        var single = RBACPolicy()
        for object in objects { try single.apply(object) }
        let extra: JSONValue = [
            "kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "extra-view", "labels": ["rbac.authorization.k8s.io/aggregate-to-view": "true"]],
            "rules": [["apiGroups": ["example.test"], "resources": ["widgets"], "verbs": ["get"]]],
        ]
        let binding: JSONValue = [
            "kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
            "metadata": ["name": "zed-view"],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"],
            "subjects": [["kind": "User", "name": "zed", "apiGroup": "rbac.authorization.k8s.io"]],
        ]
        try single.apply(extra)
        try single.apply(binding)

        var batched = RBACPolicy()
        let changes = objects.map { (object: $0, deleted: false) }
            + [(object: extra, deleted: false), (object: ["kind": "Pod"], deleted: false), (object: binding, deleted: false)]
        let errors = batched.apply(changes)
        #expect(errors == [.unsupportedKind("Pod")])
        #expect(batched.clusterRoleRules == single.clusterRoleRules)
        #expect(batched.clusterRoleRules["view"]?.contains { $0.resources == ["widgets"] } == true)
        let widgets = AuthorizationAttributes(
            user: UserInfo(name: "zed"), request: .resource(verb: "get", group: "example.test", resource: "widgets", namespace: "team"))
        #expect(await RBACAuthorizer(policy: batched).authorize(widgets).isAllowed)

        // A batch that deletes the aggregated part takes its rule back out of "view".
        batched.apply([(object: extra, deleted: true)])
        #expect(batched.clusterRoleRules["view"]?.contains { $0.resources == ["widgets"] } == false)
        #expect(await RBACAuthorizer(policy: batched).authorize(widgets).isAllowed == false)
    }
}
