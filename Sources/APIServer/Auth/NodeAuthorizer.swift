import KubeAPI

/// Decides the requests of kubelets (user `system:node:<name>` in group `system:nodes`) by
/// what their node is related to, in the manner of the Kubernetes Node authorizer and the
/// NodeRestriction admission plugin combined:
///
/// - nodes: get, list, watch any; create; update, patch (also `status`) only its own — another
///   node's Node is denied, as is deleting one;
/// - leases in `kube-node-lease`: get, create, update, patch, delete only the one named after
///   the node;
/// - pods: get, list, watch any; update and patch `status`, and delete, only for pods bound to
///   the node (`spec.nodeName`);
/// - events: create;
/// - secrets, configmaps, persistentvolumeclaims: get only those a pod bound to the node
///   refers to (volumes, projected sources, env, envFrom, image pull secrets, ephemeral
///   volumes' claims); `serviceaccounts/token`: create only for service accounts such pods run as;
/// - persistentvolumes: get, list, watch any; delete only a local-path volume
///   (`pv.kubernetes.io/provisioned-by: rancher.io/local-path`) pinned to the node
///   (`kubernetes.io/hostname In [node]`) and `Released`, which the node reclaims.
///
/// Denials are definite (`deny`), so a broader RBAC grant to `system:nodes` cannot widen them.
/// Every other request, and every request of other users, gets no opinion and falls through to
/// the next authorizer (RBAC).
public struct NodeAuthorizer: Authorizer {
    /// Reads one pod (`namespace`, `name`); `nil` when it does not exist.
    public typealias PodLookup = @Sendable (_ namespace: String, _ name: String) async throws -> JSONValue?
    /// Lists the pods bound to a node (`spec.nodeName`), in every namespace.
    public typealias PodsOnNode = @Sendable (_ node: String) async throws -> [JSONValue]
    /// Reads one persistent volume by name; `nil` when it does not exist.
    public typealias VolumeLookup = @Sendable (_ name: String) async throws -> JSONValue?
    /// The provisioner whose released volumes nodes reclaim themselves.
    public static let nodeReclaimedProvisioner = VolumeBindingNames.localPathProvisioner

    /// The group every node is in.
    public static let nodesGroup = "system:nodes"
    /// The prefix of node user names.
    public static let userPrefix = "system:node:"
    /// The namespace of node heartbeat leases.
    public static let leaseNamespace = "kube-node-lease"

    /// Reads pods.
    public let pod: PodLookup
    /// Lists a node's pods.
    public let podsOnNode: PodsOnNode
    /// Reads persistent volumes.
    public let persistentVolume: VolumeLookup

    /// Creates the authorizer over pod (and volume) reads.
    public init(pod: @escaping PodLookup, podsOnNode: @escaping PodsOnNode, persistentVolume: @escaping VolumeLookup = { _ in nil }) {
        self.pod = pod
        self.podsOnNode = podsOnNode
        self.persistentVolume = persistentVolume
    }

    /// The node a user is, or `nil` when the user is not a node identity.
    public static func nodeName(of user: UserInfo) -> String? {
        guard user.name.hasPrefix(userPrefix), user.groups.contains(nodesGroup) else { return nil }
        let name = String(user.name.dropFirst(userPrefix.count))
        return name.isEmpty ? nil : name
    }

    /// Allows or denies node requests per the rules above; no opinion otherwise.
    public func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        guard let node = Self.nodeName(of: attributes.user) else { return .noOpinion(reason: "") }
        let request = attributes.request
        guard request.isResourceRequest else { return .noOpinion(reason: "") }
        switch (request.apiGroup, request.resource) {
        case ("", "nodes"):
            return decideNode(node, request)
        case ("coordination.k8s.io", "leases") where request.namespace == Self.leaseNamespace:
            return decideLease(node, request)
        case ("", "pods"):
            return await decidePod(node, request)
        case ("", "events"), ("events.k8s.io", "events"):
            return request.verb == "create" && request.subresource.isEmpty ? .allow(reason: "node may create events") : .noOpinion(reason: "")
        case ("", "secrets"), ("", "configmaps"), ("", "persistentvolumeclaims"):
            return await decideReferenced(node, request)
        case ("", "serviceaccounts") where request.subresource == "token":
            return await decideServiceAccountToken(node, request)
        case ("", "persistentvolumes"):
            return await decideVolume(node, request)
        default:
            return .noOpinion(reason: "")
        }
    }

    func decideNode(_ node: String, _ request: RequestInfo) -> AuthorizationDecision {
        let own = request.name == node
        switch (request.subresource, request.verb) {
        case ("", "get"), ("", "list"), ("", "watch"), ("status", "get"):
            return .allow(reason: "node may read nodes")
        case ("", "create"):
            // The name is in the body: NodeRestrictionHandler checks it after authorization.
            return .allow(reason: "node may register itself")
        case ("", "update"), ("", "patch"), ("status", "update"), ("status", "patch"):
            return own
                ? .allow(reason: "node may modify its own Node")
                : .deny(reason: "node \"\(node)\" is not allowed to modify node \"\(request.name)\"")
        case ("", "delete"):
            return own ? .noOpinion(reason: "") : .deny(reason: "node \"\(node)\" is not allowed to delete node \"\(request.name)\"")
        default:
            return .noOpinion(reason: "")
        }
    }

    func decideLease(_ node: String, _ request: RequestInfo) -> AuthorizationDecision {
        guard request.subresource.isEmpty else { return .noOpinion(reason: "") }
        switch request.verb {
        case "create":
            return .allow(reason: "node may create its lease")
        case "get", "update", "patch", "delete":
            return request.name == node
                ? .allow(reason: "node may use its own lease")
                : .deny(reason: "node \"\(node)\" may only use its own lease in \(Self.leaseNamespace), not \"\(request.name)\"")
        default:
            return .noOpinion(reason: "")
        }
    }

    func decidePod(_ node: String, _ request: RequestInfo) async -> AuthorizationDecision {
        switch (request.subresource, request.verb) {
        case ("", "get"), ("", "list"), ("", "watch"):
            return .allow(reason: "node may read pods")
        case ("status", "update"), ("status", "patch"), ("", "delete"):
            guard !request.name.isEmpty else {
                return .deny(reason: "node \"\(node)\" may only \(request.verb) individual pods bound to it")
            }
            let bound: String?
            do {
                bound = try await pod(request.namespace, request.name)?[path: "spec", "nodeName"]?.stringValue
            } catch {
                return .deny(reason: "cannot read pod \(request.namespace)/\(request.name): \(error)")
            }
            return bound == node
                ? .allow(reason: "pod is bound to node \"\(node)\"")
                : .deny(reason: "node \"\(node)\" may only \(request.verb) pods bound to it; pod \"\(request.name)\" is not")
        default:
            return .noOpinion(reason: "")
        }
    }

    func decideReferenced(_ node: String, _ request: RequestInfo) async -> AuthorizationDecision {
        guard request.verb == "get", request.subresource.isEmpty, !request.name.isEmpty else {
            return .noOpinion(reason: "")
        }
        let pods: [JSONValue]
        do {
            pods = try await podsOnNode(node)
        } catch {
            return .deny(reason: "cannot list the pods of node \"\(node)\": \(error)")
        }
        let kind: PodReferences.Kind = switch request.resource {
        case "secrets": .secret
        case "configmaps": .configMap
        default: .persistentVolumeClaim
        }
        for pod in pods where pod[path: "metadata", "namespace"]?.stringValue == request.namespace {
            if PodReferences.names(kind, in: pod).contains(request.name) {
                return .allow(reason: "referenced by a pod bound to node \"\(node)\"")
            }
        }
        return .deny(reason: "no relationship found between node \"\(node)\" and this object")
    }

    func decideVolume(_ node: String, _ request: RequestInfo) async -> AuthorizationDecision {
        switch (request.subresource, request.verb) {
        case ("", "get"), ("", "list"), ("", "watch"):
            return .allow(reason: "node may read persistent volumes")
        case ("", "delete"):
            guard !request.name.isEmpty else {
                return .deny(reason: "node \"\(node)\" may only delete individual released local volumes pinned to it")
            }
            let volume: JSONValue?
            do {
                volume = try await persistentVolume(request.name)
            } catch {
                return .deny(reason: "cannot read persistentvolume \(request.name): \(error)")
            }
            guard let volume else { return .noOpinion(reason: "") }
            let terms = volume[path: "spec", "nodeAffinity", "required", "nodeSelectorTerms"]?.arrayValue ?? []
            let expressions = terms.count == 1 ? terms[0]["matchExpressions"]?.arrayValue ?? [] : []
            let pinned = expressions.count == 1 && expressions[0]["key"]?.stringValue == "kubernetes.io/hostname"
                && expressions[0]["operator"]?.stringValue == "In"
                && expressions[0]["values"]?.arrayValue?.compactMap(\.stringValue) == [node]
                && (terms[0]["matchFields"]?.arrayValue ?? []).isEmpty
            let provisioner = volume[path: "metadata", "annotations", VolumeBindingNames.provisionedBy]?.stringValue
            guard pinned, provisioner == Self.nodeReclaimedProvisioner,
                  volume[path: "status", "phase"]?.stringValue == "Released" else {
                return .deny(reason: "node \"\(node)\" may only delete released local volumes pinned to it; \"\(request.name)\" is not one")
            }
            return .allow(reason: "released local volume pinned to node \"\(node)\"")
        default:
            return .noOpinion(reason: "")
        }
    }

    func decideServiceAccountToken(_ node: String, _ request: RequestInfo) async -> AuthorizationDecision {
        guard request.verb == "create" else { return .noOpinion(reason: "") }
        let pods: [JSONValue]
        do {
            pods = try await podsOnNode(node)
        } catch {
            return .deny(reason: "cannot list the pods of node \"\(node)\": \(error)")
        }
        for pod in pods where pod[path: "metadata", "namespace"]?.stringValue == request.namespace {
            if PodReferences.serviceAccount(of: pod) == request.name {
                return .allow(reason: "service account used by a pod bound to node \"\(node)\"")
            }
        }
        return .deny(reason: "no relationship found between node \"\(node)\" and this object")
    }
}
