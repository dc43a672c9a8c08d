import HTTPTypes
import KubeAPI

/// Asks several authenticators in turn and applies the API server's rules for the outcome:
/// the first identity found wins (with `system:authenticated` added); credentials nobody
/// accepts and requests without credentials are refused with 401 `Unauthorized`, unless
/// anonymous access is enabled, in which case a request without credentials is
/// `system:anonymous` in group `system:unauthenticated`.
public struct AuthenticatorChain: Authenticator {
    /// The message of every 401 the API server writes.
    public static let unauthorizedMessage = "Unauthorized"

    /// The authenticators, in the order they are asked.
    public var authenticators: [any Authenticator]
    /// Whether requests without credentials are let through as `system:anonymous`. Off by default.
    public var allowAnonymous: Bool

    /// Creates a chain.
    public init(_ authenticators: [any Authenticator], allowAnonymous: Bool = false) {
        self.authenticators = authenticators
        self.allowAnonymous = allowAnonymous
    }

    /// The request's identity. Never returns `nil`.
    ///
    /// - Throws: 401 `Unauthorized` when credentials are invalid, or absent and anonymous access
    ///   is off.
    public func authenticate(_ request: APIRequest) async throws -> UserInfo? {
        var presented = request.clientCertificate != nil || request.headers[.authorization] != nil
        for authenticator in authenticators {
            let user: UserInfo?
            do {
                user = try await authenticator.authenticate(request)
            } catch {
                throw StatusError.unauthorized(Self.unauthorizedMessage)
            }
            if var user {
                if user.name != UserInfo.anonymous.name {
                    user.groups = AuthenticatedGroups.adding(to: user.groups)
                }
                return user
            }
        }
        // A client certificate the authenticators ignore (no CN) counts as no credentials;
        // an Authorization header nobody understood does not.
        if request.headers[.authorization] == nil { presented = false }
        if !presented && allowAnonymous { return .anonymous }
        throw StatusError.unauthorized(Self.unauthorizedMessage)
    }
}
