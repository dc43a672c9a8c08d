import HTTPTypes
import KubeAPI
import Testing
@testable import APIServer

@Suite struct NodeAuthorizerTests {
    static let n1 = UserInfo(name: "system:node:n1", groups: ["system:nodes", "system:authenticated"])

    /// Pods: `web` on n1 (secret `db-pass` via env, configmap `site` via volume, claim `data`,
    /// service account `builder`, ephemeral volume `scratch`), `other` on n2 (secret `n2-only`).
    static let pods: [JSONValue] = [
        [
            "metadata": ["name": "web", "namespace": "default"],
            "spec": [
                "nodeName": "n1", "serviceAccountName": "builder",
                "imagePullSecrets": [["name": "registry"]],
                "containers": [[
                    "name": "c",
                    "env": [["name": "P", "valueFrom": ["secretKeyRef": ["name": "db-pass", "key": "p"]]]],
                    "envFrom": [["configMapRef": ["name": "env-config"]]],
                ]],
                "volumes": [
                    ["name": "site", "configMap": ["name": "site"]],
                    ["name": "data", "persistentVolumeClaim": ["claimName": "data"]],
                    ["name": "scratch", "ephemeral": ["volumeClaimTemplate": ["spec": [:]]]],
                    ["name": "tls", "projected": ["sources": [["secret": ["name": "tls-cert"]]]]],
                ],
            ],
        ],
        [
            "metadata": ["name": "other", "namespace": "default"],
            "spec": ["nodeName": "n2", "volumes": [["name": "s", "secret": ["secretName": "n2-only"]]]],
        ],
    ]

    static let authorizer = NodeAuthorizer(
        pod: { namespace, name in
            pods.first { $0[path: "metadata", "namespace"]?.stringValue == namespace && $0[path: "metadata", "name"]?.stringValue == name }
        },
        podsOnNode: { node in pods.filter { $0[path: "spec", "nodeName"]?.stringValue == node } },
        persistentVolume: { name in volumes[name] }
    )

    /// A local-path volume (pinned to `node`, in `phase`), optionally not the provisioner's.
    static func localVolume(node: String, phase: String, provisioner: String = "rancher.io/local-path") -> JSONValue {
        [
            "metadata": ["annotations": ["pv.kubernetes.io/provisioned-by": .string(provisioner)]],
            "spec": ["nodeAffinity": ["required": ["nodeSelectorTerms": [[
                "matchExpressions": [["key": "kubernetes.io/hostname", "operator": "In", "values": [.string(node)]]],
            ]]]]],
            "status": ["phase": .string(phase)],
        ]
    }

    /// Volumes: released local ones on n1 and n2, a bound one on n1, a released one of another provisioner on n1.
    static let volumes: [String: JSONValue] = [
        "released-n1": localVolume(node: "n1", phase: "Released"),
        "released-n2": localVolume(node: "n2", phase: "Released"),
        "bound-n1": localVolume(node: "n1", phase: "Bound"),
        "other-n1": localVolume(node: "n1", phase: "Released", provisioner: "example.com/nfs"),
    ]

    enum Expected: Sendable { case allow, deny, noOpinion }

    struct Case: Sendable, CustomTestStringConvertible {
        var verb: String
        var group = ""
        var resource: String
        var subresource = ""
        var namespace = ""
        var name = ""
        var expected: Expected
        var testDescription: String { "\(verb) \(resource)\(subresource.isEmpty ? "" : "/" + subresource) \(namespace)/\(name) -> \(expected)" }
    }

    static let cases: [Case] = [
        // Nodes.
        Case(verb: "get", resource: "nodes", name: "n2", expected: .allow),
        Case(verb: "list", resource: "nodes", expected: .allow),
        Case(verb: "watch", resource: "nodes", expected: .allow),
        Case(verb: "create", resource: "nodes", expected: .allow),
        Case(verb: "patch", resource: "nodes", name: "n1", expected: .allow),
        Case(verb: "update", resource: "nodes", name: "n1", expected: .allow),
        Case(verb: "patch", resource: "nodes", subresource: "status", name: "n1", expected: .allow),
        Case(verb: "patch", resource: "nodes", name: "n2", expected: .deny),
        Case(verb: "update", resource: "nodes", subresource: "status", name: "n2", expected: .deny),
        Case(verb: "get", resource: "nodes", subresource: "status", name: "n2", expected: .allow),
        Case(verb: "delete", resource: "nodes", name: "n2", expected: .deny),
        // Leases.
        Case(verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n1", expected: .allow),
        Case(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n1", expected: .allow),
        Case(verb: "create", group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", expected: .allow),
        Case(verb: "update", group: "coordination.k8s.io", resource: "leases", namespace: "kube-node-lease", name: "n2", expected: .deny),
        Case(verb: "get", group: "coordination.k8s.io", resource: "leases", namespace: "kube-system", name: "n1", expected: .noOpinion),
        // Pods.
        Case(verb: "list", resource: "pods", expected: .allow),
        Case(verb: "get", resource: "pods", namespace: "default", name: "other", expected: .allow),
        Case(verb: "patch", resource: "pods", subresource: "status", namespace: "default", name: "web", expected: .allow),
        Case(verb: "update", resource: "pods", subresource: "status", namespace: "default", name: "other", expected: .deny),
        Case(verb: "delete", resource: "pods", namespace: "default", name: "web", expected: .allow),
        Case(verb: "delete", resource: "pods", namespace: "default", name: "other", expected: .deny),
        Case(verb: "delete", resource: "pods", namespace: "default", name: "missing", expected: .deny),
        Case(verb: "create", resource: "pods", namespace: "default", expected: .noOpinion),
        // Events.
        Case(verb: "create", resource: "events", namespace: "default", expected: .allow),
        Case(verb: "create", group: "events.k8s.io", resource: "events", namespace: "default", expected: .allow),
        Case(verb: "delete", resource: "events", namespace: "default", name: "e", expected: .noOpinion),
        // Referenced objects.
        Case(verb: "get", resource: "secrets", namespace: "default", name: "db-pass", expected: .allow),
        Case(verb: "get", resource: "secrets", namespace: "default", name: "registry", expected: .allow),
        Case(verb: "get", resource: "secrets", namespace: "default", name: "tls-cert", expected: .allow),
        Case(verb: "get", resource: "secrets", namespace: "default", name: "n2-only", expected: .deny),
        Case(verb: "get", resource: "secrets", namespace: "kube-system", name: "db-pass", expected: .deny),
        Case(verb: "list", resource: "secrets", namespace: "default", expected: .noOpinion),
        Case(verb: "get", resource: "configmaps", namespace: "default", name: "site", expected: .allow),
        Case(verb: "get", resource: "configmaps", namespace: "default", name: "env-config", expected: .allow),
        Case(verb: "get", resource: "configmaps", namespace: "default", name: "db-pass", expected: .deny),
        Case(verb: "get", resource: "persistentvolumeclaims", namespace: "default", name: "data", expected: .allow),
        Case(verb: "get", resource: "persistentvolumeclaims", namespace: "default", name: "web-scratch", expected: .allow),
        Case(verb: "get", resource: "persistentvolumeclaims", namespace: "default", name: "other", expected: .deny),
        Case(verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "default", name: "builder", expected: .allow),
        Case(verb: "create", resource: "serviceaccounts", subresource: "token", namespace: "default", name: "default", expected: .deny),
        // Everything else falls through.
        Case(verb: "get", resource: "services", namespace: "default", name: "x", expected: .noOpinion),
        Case(verb: "list", group: "apps", resource: "deployments", expected: .noOpinion),
        // Persistent volumes: read any; delete only its own released local-path ones.
        Case(verb: "list", resource: "persistentvolumes", expected: .allow),
        Case(verb: "watch", resource: "persistentvolumes", expected: .allow),
        Case(verb: "get", resource: "persistentvolumes", name: "bound-n1", expected: .allow),
        Case(verb: "delete", resource: "persistentvolumes", name: "released-n1", expected: .allow),
        Case(verb: "delete", resource: "persistentvolumes", name: "released-n2", expected: .deny),
        Case(verb: "delete", resource: "persistentvolumes", name: "bound-n1", expected: .deny),
        Case(verb: "delete", resource: "persistentvolumes", name: "other-n1", expected: .deny),
        Case(verb: "delete", resource: "persistentvolumes", expected: .deny),
        Case(verb: "delete", resource: "persistentvolumes", name: "missing", expected: .noOpinion),
        Case(verb: "update", resource: "persistentvolumes", name: "released-n1", expected: .noOpinion),
        Case(verb: "update", resource: "persistentvolumes", subresource: "status", name: "released-n1", expected: .noOpinion),
    ]

    @Test(arguments: cases)
    func decisions(_ testCase: Case) async {
        let request = RequestInfo.resource(
            verb: testCase.verb, group: testCase.group, version: "v1", resource: testCase.resource,
            subresource: testCase.subresource, namespace: testCase.namespace, name: testCase.name)
        let decision = await Self.authorizer.authorize(AuthorizationAttributes(user: Self.n1, request: request))
        switch (testCase.expected, decision) {
        case (.allow, .allow), (.deny, .deny), (.noOpinion, .noOpinion): break
        default: Issue.record("expected \(testCase.expected), got \(decision)")
        }
    }

    @Test func otherNodesNodeIsDeniedWithAClearReason() async {
        let request = RequestInfo.resource(verb: "patch", version: "v1", resource: "nodes", name: "n2")
        let decision = await Self.authorizer.authorize(AuthorizationAttributes(user: Self.n1, request: request))
        #expect(decision == .deny(reason: #"node "n1" is not allowed to modify node "n2""#))
        let status = AuthorizationHandler.forbidden(user: Self.n1, request: request, reason: decision.reason)
        #expect(status.code == 403)
        #expect(status.message == #"nodes "n2" is forbidden: User "system:node:n1" cannot patch resource "nodes" in API group "" at the cluster scope: node "n1" is not allowed to modify node "n2""#)
    }

    @Test(arguments: [
        UserInfo(name: "system:node:n1", groups: ["system:authenticated"]),  // not in system:nodes
        UserInfo(name: "alice", groups: ["system:nodes"]),  // not a node name
        UserInfo(name: "system:node:", groups: ["system:nodes"]),
    ])
    func nonNodeUsersGetNoOpinion(_ user: UserInfo) async {
        let request = RequestInfo.resource(verb: "patch", version: "v1", resource: "nodes", name: "n2")
        let decision = await Self.authorizer.authorize(AuthorizationAttributes(user: user, request: request))
        #expect(decision == .noOpinion(reason: ""))
    }

    @Test func nonResourceRequestsFallThrough() async {
        let decision = await Self.authorizer.authorize(AuthorizationAttributes(user: Self.n1, request: .nonResource(verb: "get", path: "/healthz")))
        #expect(decision == .noOpinion(reason: ""))
    }

    @Test func nodeRestrictionRefusesCreatingAnotherNode() async throws {
        let handler = NodeRestrictionHandler(next: AuthEchoHandler())
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let other = APIRequest(
            method: .post, path: "/api/v1/nodes", headers: headers,
            body: Array(#"{"metadata":{"name":"n2"}}"#.utf8), user: Self.n1)
        let refused = await handler.handle(other)
        #expect(refused.status.code == 403)
        #expect(refused.authBodyJSON?["message"]?.stringValue?.hasSuffix(#"node "n1" is not allowed to create node "n2""#) == true)
        var own = other
        own.body = Array(#"{"metadata":{"name":"n1"}}"#.utf8)
        #expect(await handler.handle(own).status.code == 200)
        var lease = other
        lease.path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
        #expect(await handler.handle(lease).status.code == 403)
    }
}
