import KubeAPI

/// Authenticates one bearer token (a static token, a token-file entry, a service-account JWT).
public protocol TokenAuthenticator: Sendable {
    /// The identity `token` stands for, or `nil` when this authenticator does not know the token
    /// (the next one is asked).
    ///
    /// - Parameter audiences: the audiences the caller accepts; `nil` means the API server's own.
    ///   Authenticators whose tokens carry no audience accept any and echo the requested ones.
    /// - Throws: a 401 `StatusError` when the token is of this authenticator's kind but invalid
    ///   (bad signature, expired, wrong audience, deleted service account).
    func authenticate(token: String, audiences: [String]?) async throws -> AuthenticatedToken?
}

/// A successfully authenticated token: who it names and the audiences it is valid for.
public struct AuthenticatedToken: Sendable, Hashable {
    /// The identity.
    public var user: UserInfo
    /// The audiences the token was accepted for (empty when the token is not audience-bound and
    /// no audiences were asked for).
    public var audiences: [String]

    /// Creates a result.
    public init(user: UserInfo, audiences: [String]) {
        self.user = user
        self.audiences = audiences
    }
}

/// Authenticates requests by their `Authorization: Bearer` token, asking each token
/// authenticator in turn.
public struct BearerTokenAuthenticator: Authenticator, TokenAuthenticator {
    /// The token authenticators, in the order they are asked.
    public var authenticators: [any TokenAuthenticator]

    /// Creates the authenticator.
    public init(_ authenticators: [any TokenAuthenticator]) {
        self.authenticators = authenticators
    }

    /// The token's identity; `nil` without an `Authorization` header.
    ///
    /// - Throws: 401 `Unauthorized` for a malformed header or a token no authenticator accepts.
    public func authenticate(_ request: APIRequest) async throws -> UserInfo? {
        switch BearerToken.credential(in: request.headers) {
        case .none:
            return nil
        case .malformed:
            throw StatusError.unauthorized(AuthenticatorChain.unauthorizedMessage)
        case .token(let token):
            guard let result = try await authenticate(token: token, audiences: nil) else {
                throw StatusError.unauthorized(AuthenticatorChain.unauthorizedMessage)
            }
            return result.user
        }
    }

    /// Asks each token authenticator in turn; the first that knows the token decides. An error
    /// from one is remembered while later ones are asked, and thrown if none accepts the token.
    public func authenticate(token: String, audiences: [String]?) async throws -> AuthenticatedToken? {
        var firstError: (any Error)?
        for authenticator in authenticators {
            do {
                if let result = try await authenticator.authenticate(token: token, audiences: audiences) {
                    return result
                }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return nil
    }
}
