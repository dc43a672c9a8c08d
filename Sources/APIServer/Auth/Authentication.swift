/// Establishes who sent a request from its credentials (client certificate, bearer token).
public protocol Authenticator: Sendable {
    /// The user the request's credentials name; `nil` when the request carries no credentials
    /// this authenticator understands (the next one is asked).
    ///
    /// - Throws: a 401 `StatusError` when credentials of this authenticator's kind are present
    ///   but invalid (a bad or expired token).
    func authenticate(_ request: APIRequest) async throws -> UserInfo?
}

/// Decides whether a user may do what a request asks.
public protocol Authorizer: Sendable {
    /// Allows, denies, or has no opinion on one request (the next authorizer is asked).
    func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision
}

/// What an authorizer decides about: who, which verb, on what.
public struct AuthorizationAttributes: Sendable, Hashable {
    /// Who is asking.
    public var user: UserInfo
    /// The request as Kubernetes reads it (verb, group, resource, namespace, name, path).
    public var request: RequestInfo

    /// Creates attributes.
    public init(user: UserInfo, request: RequestInfo) {
        self.user = user
        self.request = request
    }
}

/// An authorizer's answer.
public enum AuthorizationDecision: Sendable, Hashable {
    /// Allowed; the reason names the rule (`RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y"`).
    case allow(reason: String)
    /// Denied outright; no later authorizer is asked.
    case deny(reason: String)
    /// No opinion; the next authorizer decides (denied if none does).
    case noOpinion(reason: String)
}
