import HTTPTypes

/// What a request asks for, read off its method, path and query the way Kubernetes does:
/// `GET /apis/apps/v1/namespaces/default/deployments/web/scale` is verb `get` on resource
/// `deployments`, subresource `scale`, name `web`, namespace `default`, group `apps`, version `v1`.
///
/// Authorization, routing, metrics and audit all read this one value.
public struct RequestInfo: Sendable, Hashable {
    /// `true` for requests under `/api` or `/apis` that name a resource; `false` for discovery,
    /// `/healthz`, `/version`, `/openapi/...` and other non-resource paths.
    public var isResourceRequest: Bool
    /// The request path.
    public var path: String
    /// The Kubernetes verb: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`, or for non-resource requests the lower-cased HTTP method.
    public var verb: String
    /// `api` or `apis` (empty for non-resource requests).
    public var apiPrefix: String
    /// The API group (empty for core).
    public var apiGroup: String
    /// The API version.
    public var apiVersion: String
    /// The namespace, for namespaced requests.
    public var namespace: String
    /// The resource (`pods`); empty for a request on a group/version itself.
    public var resource: String
    /// The subresource (`status`, `scale`, `log`, ...), if any.
    public var subresource: String
    /// The object name, if the request names one.
    public var name: String

    /// Parses a request. Never fails: anything that does not look like a resource request is a
    /// non-resource request.
    public init(method: HTTPRequest.Method, path: String, query: [(name: String, value: String)]) {
        self.path = path
        self.isResourceRequest = false
        self.verb = method.rawValue.lowercased()
        self.apiPrefix = ""
        self.apiGroup = ""
        self.apiVersion = ""
        self.namespace = ""
        self.resource = ""
        self.subresource = ""
        self.name = ""

        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let prefix = parts.first, prefix == "api" || prefix == "apis" else { return }
        parts.removeFirst()
        if prefix == "apis" {
            // /apis and /apis/GROUP are discovery.
            guard parts.count >= 2 else { return }
            apiGroup = parts.removeFirst()
        } else {
            guard parts.count >= 1 else { return }
        }
        apiPrefix = prefix
        apiVersion = parts.removeFirst()
        // /api/v1 and /apis/G/V are discovery of the group/version.
        guard !parts.isEmpty else { return }
        isResourceRequest = true

        // The deprecated /watch/ path form.
        var watchPath = false
        if parts.first == "watch" {
            watchPath = true
            parts.removeFirst()
        }

        switch method {
        case .post: verb = "create"
        case .get, .head: verb = "get"
        case .put: verb = "update"
        case .patch: verb = "patch"
        case .delete: verb = "delete"
        default: verb = method.rawValue.lowercased()
        }

        if parts.first == "namespaces", parts.count >= 2 {
            namespace = parts[1]
            // namespaces/NS/RESOURCE... is a namespaced request; namespaces/NS, namespaces/NS/status
            // and namespaces/NS/finalize are about the namespace object itself.
            if parts.count >= 3, parts[2] != "status", parts[2] != "finalize" {
                parts.removeFirst(2)
            }
        }

        if parts.count >= 1 { resource = parts[0] }
        if parts.count >= 2 { name = parts[1] }
        // Like upstream, only the segment after the name is the subresource: the rest of
        // `nodes/N/proxy/stats/summary` is the proxied path, not part of what RBAC matches.
        if parts.count >= 3 { subresource = parts[2] }

        if name.isEmpty {
            let watchParam = query.last(where: { $0.name == "watch" })?.value
            let watching = watchPath || watchParam == "true" || watchParam == "1"
            if verb == "get" { verb = watching ? "watch" : "list" }
            if verb == "delete" { verb = "deletecollection" }
        } else if watchPath, verb == "get" {
            verb = "watch"
        }
    }
}
