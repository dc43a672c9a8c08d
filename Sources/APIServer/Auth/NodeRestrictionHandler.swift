import KubeAPI

/// Checks what the authorizer cannot see for node users: the name in the body of a create.
/// A node (`system:node:<name>` in `system:nodes`) may only create the Node named after itself
/// and the Lease in `kube-node-lease` named after itself; other creates by nodes, and every
/// request by other users, pass unchanged.
public struct NodeRestrictionHandler: APIHandler {
    /// The handler for requests that pass.
    public var next: any APIHandler

    /// Creates the handler.
    public init(next: any APIHandler) {
        self.next = next
    }

    /// Refuses a node's create of another node's Node or Lease with 403 `Forbidden`.
    public func handle(_ request: APIRequest) async -> APIResponse {
        guard request.method == .post, let user = request.user, let node = NodeAuthorizer.nodeName(of: user) else {
            return await next.handle(request)
        }
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        guard info.isResourceRequest, info.verb == "create", info.subresource.isEmpty else { return await next.handle(request) }
        let isNode = info.apiGroup == "" && info.resource == "nodes"
        let isLease = info.apiGroup == "coordination.k8s.io" && info.resource == "leases"
            && info.namespace == NodeAuthorizer.leaseNamespace
        guard isNode || isLease else { return await next.handle(request) }
        let name = (try? JSONValue(parsing: request.body))?[path: "metadata", "name"]?.stringValue
        guard let name, name != node else { return await next.handle(request) }
        let what = isNode ? "node" : "lease"
        let reason = "node \"\(node)\" is not allowed to create \(what) \"\(name)\""
        return AuthResponses.status(AuthorizationHandler.forbidden(user: user, request: info, reason: reason))
    }
}
