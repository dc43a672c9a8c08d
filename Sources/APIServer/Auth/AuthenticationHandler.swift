import KubeAPI

/// Authenticates each request, records the user in `request.user` and passes it on; refuses
/// requests the authenticator rejects with their `Status` (401 `Unauthorized`).
public struct AuthenticationHandler: APIHandler {
    /// Establishes the user (normally an ``AuthenticatorChain``).
    public var authenticator: any Authenticator
    /// The handler for authenticated requests.
    public var next: any APIHandler

    /// Creates the handler.
    public init(authenticator: any Authenticator, next: any APIHandler) {
        self.authenticator = authenticator
        self.next = next
    }

    /// Answers 401 for refused credentials, otherwise whatever `next` answers.
    public func handle(_ request: APIRequest) async -> APIResponse {
        var request = request
        do {
            guard let user = try await authenticator.authenticate(request) else {
                return AuthResponses.status(.unauthorized(AuthenticatorChain.unauthorizedMessage))
            }
            request.user = user
        } catch let error as StatusError {
            return AuthResponses.status(error)
        } catch {
            return AuthResponses.status(.unauthorized(AuthenticatorChain.unauthorizedMessage))
        }
        return await next.handle(request)
    }
}
