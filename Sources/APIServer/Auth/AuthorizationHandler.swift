import KubeAPI

/// Authorizes each authenticated request (read as a ``RequestInfo``) and passes allowed ones on;
/// others get 403 `Forbidden` with upstream's message, such as
/// `pods "x" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default"`.
public struct AuthorizationHandler: APIHandler {
    /// Decides (normally an ``AuthorizerChain``).
    public var authorizer: any Authorizer
    /// The handler for allowed requests.
    public var next: any APIHandler

    /// Creates the handler.
    public init(authorizer: any Authorizer, next: any APIHandler) {
        self.authorizer = authorizer
        self.next = next
    }

    /// Answers 403 unless the authorizer allows the request; a request without a user (the
    /// authentication handler did not run) is refused with 401.
    public func handle(_ request: APIRequest) async -> APIResponse {
        guard let user = request.user else {
            return AuthResponses.status(.unauthorized(AuthenticatorChain.unauthorizedMessage))
        }
        let info = RequestInfo(method: request.method, path: request.path, query: request.query)
        let decision = await authorizer.authorize(AuthorizationAttributes(user: user, request: info))
        if decision.isAllowed { return await next.handle(request) }
        return AuthResponses.status(Self.forbidden(user: user, request: info, reason: decision.reason))
    }

    /// The 403 upstream writes when `user` may not do `request`; `reason` (the authorizer's, may
    /// be empty) is appended after a colon.
    public static func forbidden(user: UserInfo, request: RequestInfo, reason: String) -> StatusError {
        guard request.isResourceRequest else {
            return .forbidden(
                GroupResource(group: "", resource: ""),
                reason: StatusError.forbiddenReason(user: user.name, verb: request.verb, path: request.path, authorizerReason: reason))
        }
        let text = StatusError.forbiddenReason(
            user: user.name, verb: request.verb, resource: request.resource, subresource: request.subresource,
            group: request.apiGroup, namespace: request.namespace, authorizerReason: reason)
        return .forbidden(GroupResource(group: request.apiGroup, resource: request.resource), name: request.name, reason: text)
    }
}
