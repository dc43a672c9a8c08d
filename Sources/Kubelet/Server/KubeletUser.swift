/// Who made a request to the kubelet API: from a client certificate (CN = name, O = groups) or
/// from the API server's answer to a TokenReview.
public struct KubeletUser: Sendable, Hashable {
    /// The user name (`system:node:n1`, `kube-apiserver-kubelet-client`, `alice`).
    public var name: String
    /// The user's UID, when the authenticator knows one.
    public var uid: String
    /// The groups, `system:authenticated` included.
    public var groups: [String]
    /// Extra attributes (service-account token claims, say).
    public var extra: [String: [String]]

    /// Creates a user; `system:authenticated` is added to `groups` when missing.
    public init(name: String, uid: String = "", groups: [String] = [], extra: [String: [String]] = [:]) {
        self.name = name
        self.uid = uid
        self.groups = groups.contains("system:authenticated") ? groups : groups + ["system:authenticated"]
        self.extra = extra
    }
}

/// What a request to the kubelet API does, in the terms of authorization: a verb on a
/// subresource of the kubelet's Node (`nodes/proxy`, `nodes/log`, `nodes/stats`, `nodes/metrics`).
public struct KubeletRequestAttributes: Sendable, Hashable {
    /// `get`, `create`, `update`, `patch` or `delete`, from the HTTP method.
    public var verb: String
    /// The subresource of `nodes`.
    public var subresource: String
    /// The node (the kubelet's own).
    public var nodeName: String

    /// Creates attributes.
    public init(verb: String, subresource: String, nodeName: String) {
        self.verb = verb
        self.subresource = subresource
        self.nodeName = nodeName
    }

    /// The attributes of a request as the upstream kubelet maps them: `/stats/*` is `stats`,
    /// `/metrics/*` is `metrics`, `/logs/*` is `log`, everything else `proxy`; GET and HEAD are
    /// `get`, POST `create`, PUT `update`, PATCH `patch`, DELETE `delete`.
    public init(method: String, path: String, nodeName: String) {
        func under(_ prefix: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }
        let subresource = if under("/stats") { "stats" } else if under("/metrics") { "metrics" } else if under("/logs") { "log" } else { "proxy" }
        let verb = switch method.uppercased() {
        case "POST": "create"
        case "PUT": "update"
        case "PATCH": "patch"
        case "DELETE": "delete"
        default: "get"
        }
        self.init(verb: verb, subresource: subresource, nodeName: nodeName)
    }
}

/// Checks bearer tokens presented to the kubelet API.
public protocol KubeletAuthenticator: Sendable {
    /// The user `token` stands for, or `nil` when it is not valid.
    ///
    /// - Throws: when the token cannot be checked now (the API server is unreachable); the
    ///   request then fails with 401 as well.
    func authenticate(token: String) async throws -> KubeletUser?
}

/// Decides whether a user may do something on the kubelet API.
public protocol KubeletAuthorizer: Sendable {
    /// Whether `user` may make a request with `attributes`, and the reason given.
    ///
    /// - Throws: when the decision cannot be made now; the request is then refused (403).
    func authorize(_ user: KubeletUser, _ attributes: KubeletRequestAttributes) async throws -> KubeletAuthorizationDecision
}

/// An authorizer's answer.
public struct KubeletAuthorizationDecision: Sendable, Hashable {
    /// Whether the request is allowed.
    public var allowed: Bool
    /// Why, when the authorizer said.
    public var reason: String

    /// Creates a decision.
    public init(allowed: Bool, reason: String = "") {
        self.allowed = allowed
        self.reason = reason
    }
}
