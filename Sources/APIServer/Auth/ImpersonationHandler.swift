import HTTPTypes
import KubeAPI

/// Acts on the `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and
/// `Impersonate-Extra-KEY` headers (`kubectl --as`, `--as-group`, `--as-uid`): once the
/// authenticated user may `impersonate` each requested value, the request goes on as the
/// impersonated identity.
///
/// The checks are upstream's: `users` (or `serviceaccounts` in the account's namespace for a
/// `system:serviceaccount:NS:NAME` user) and `groups` in the core group, `uids` and
/// `userextras/KEY` in `authentication.k8s.io`, each with the value as the resource name; a
/// refusal is a 403 naming what could not be impersonated. The impersonated user is in
/// `system:authenticated` (`system:unauthenticated` for `system:anonymous`); an impersonated
/// service account without groups gets its service-account groups.
public struct ImpersonationHandler: APIHandler {
    /// Decides whether the caller may impersonate.
    public var authorizer: any Authorizer
    /// The handler for the request, as whoever it now runs as.
    public var next: any APIHandler

    static let userHeader = HTTPField.Name("Impersonate-User")!
    static let groupHeader = HTTPField.Name("Impersonate-Group")!
    static let uidHeader = HTTPField.Name("Impersonate-Uid")!
    static let extraPrefix = "impersonate-extra-"

    /// Creates the handler.
    public init(authorizer: any Authorizer, next: any APIHandler) {
        self.authorizer = authorizer
        self.next = next
    }

    public func handle(_ request: APIRequest) async -> APIResponse {
        let names = request.headers[values: Self.userHeader]
        let groups = request.headers[values: Self.groupHeader]
        let uids = request.headers[values: Self.uidHeader]
        var extra: [String: [String]] = [:]
        for field in request.headers where field.name.canonicalName.hasPrefix(Self.extraPrefix) {
            let key = String(field.name.canonicalName.dropFirst(Self.extraPrefix.count))
            extra[key, default: []].append(field.value)
        }
        guard !names.isEmpty || !groups.isEmpty || !uids.isEmpty || !extra.isEmpty else { return await next.handle(request) }
        guard let caller = request.user else {
            return AuthResponses.status(.unauthorized(AuthenticatorChain.unauthorizedMessage))
        }
        guard names.count == 1, let name = names.first, !name.isEmpty else {
            let message = names.count > 1
                ? "only one Impersonate-User header may be given"
                : "requested impersonation of groups, uid or extra attributes without impersonating a user"
            return AuthResponses.status(.badRequest(message))
        }
        guard uids.count <= 1 else { return AuthResponses.status(.badRequest("only one Impersonate-Uid header may be given")) }

        var checks: [(group: String, resource: String, namespace: String, name: String)] = []
        var impersonated = UserInfo(name: name, uid: uids.first, groups: groups, extra: extra)
        let accountPrefix = "system:serviceaccount:"
        let accountParts = name.hasPrefix(accountPrefix) ? name.dropFirst(accountPrefix.count).split(separator: ":", omittingEmptySubsequences: false) : []
        if accountParts.count == 2 {
            checks.append(("", "serviceaccounts", String(accountParts[0]), String(accountParts[1])))
            if groups.isEmpty {
                impersonated.groups = UserInfo.serviceAccount(namespace: String(accountParts[0]), name: String(accountParts[1])).groups
            }
        } else {
            checks.append(("", "users", "", name))
        }
        checks += groups.map { ("", "groups", "", $0) }
        checks += uids.map { ("authentication.k8s.io", "uids", "", $0) }
        for (key, values) in extra.sorted(by: { $0.key < $1.key }) {
            checks += values.map { ("authentication.k8s.io", "userextras/\(key)", "", $0) }
        }
        for check in checks {
            var info = RequestInfo(method: .get, path: "/", query: [])
            info.isResourceRequest = true
            info.verb = "impersonate"
            info.apiGroup = check.group
            let parts = check.resource.split(separator: "/", maxSplits: 1)
            info.resource = String(parts[0])
            info.subresource = parts.count > 1 ? String(parts[1]) : ""
            info.namespace = check.namespace
            info.name = check.name
            let decision = await authorizer.authorize(AuthorizationAttributes(user: caller, request: info))
            guard decision.isAllowed else {
                return AuthResponses.status(AuthorizationHandler.forbidden(user: caller, request: info, reason: decision.reason))
            }
        }
        let membership = name == UserInfo.anonymous.name ? "system:unauthenticated" : "system:authenticated"
        if !impersonated.groups.contains(membership) { impersonated.groups.append(membership) }

        var forwarded = request
        forwarded.user = impersonated
        forwarded.headers = HTTPFields(request.headers.filter { !$0.name.canonicalName.hasPrefix("impersonate-") })
        return await next.handle(forwarded)
    }
}
