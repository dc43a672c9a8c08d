import KubeAPI

/// Authenticates the cluster's shared secret (the K3s server token) as a bearer token.
///
/// A K3s token is either a bare secret or `K10<sha256 of the CA certificate>::<user>:<secret>`
/// (the form written to `DATA_DIR/server/node-token`). Both forms are accepted; only the secret is
/// compared (in constant time), and when both the configured and the presented token carry a CA
/// hash the hashes must agree.
///
/// Upstream K3s uses this token only to join nodes, never for the Kubernetes API. Here it is
/// also accepted on the API because whoever holds it can already read the cluster's CA keys
/// (that is what joining a server needs), so it is full control either way; the identity it maps
/// to defaults to ``defaultUser`` (`system:k3s-server` in `system:masters`) and is configurable,
/// and the composer may simply leave this authenticator out.
public struct NodeTokenAuthenticator: TokenAuthenticator {
    /// The parts of a K3s token.
    public struct ParsedToken: Sendable, Hashable {
        /// The CA hash of the full form (`K10<hash>::...`), if present.
        public var caHash: String?
        /// The user part of the full form (`server`, `node`), if present.
        public var username: String?
        /// The secret.
        public var secret: String

        /// Splits a token. A bare secret has neither hash nor user.
        public init(_ token: String) {
            if token.hasPrefix("K10"), let separator = token.firstRange(of: "::") {
                caHash = String(token[token.index(token.startIndex, offsetBy: 3)..<separator.lowerBound])
                let credentials = token[separator.upperBound...]
                if let colon = credentials.firstIndex(of: ":") {
                    username = String(credentials[..<colon])
                    secret = String(credentials[credentials.index(after: colon)...])
                } else {
                    username = nil
                    secret = String(credentials)
                }
            } else {
                caHash = nil
                username = nil
                secret = token
            }
        }
    }

    /// The identity the server token stands for unless configured otherwise.
    public static let defaultUser = UserInfo(name: "system:k3s-server", groups: ["system:masters", "system:authenticated"])

    /// The configured token.
    public let token: ParsedToken
    /// The identity a matching token authenticates as.
    public let user: UserInfo

    /// Creates the authenticator for the server token `token` (either form).
    public init(token: String, user: UserInfo = NodeTokenAuthenticator.defaultUser) {
        self.token = ParsedToken(token)
        self.user = user
    }

    /// The configured identity when `token` carries the configured secret, `nil` otherwise.
    public func authenticate(token presented: String, audiences: [String]?) async throws -> AuthenticatedToken? {
        guard !token.secret.isEmpty else { return nil }
        let parsed = ParsedToken(presented)
        guard constantTimeEqual(parsed.secret, token.secret) else { return nil }
        if let mine = token.caHash, let theirs = parsed.caHash, mine != theirs {
            throw StatusError.unauthorized(AuthenticatorChain.unauthorizedMessage)
        }
        return AuthenticatedToken(user: user, audiences: audiences ?? [])
    }
}

/// Compares two strings' bytes without stopping at the first difference.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    var difference = UInt8(x.count == y.count ? 0 : 1)
    for index in 0..<max(x.count, y.count) {
        let p = index < x.count ? x[index] : 0
        let q = index < y.count ? y[index] : 0
        difference |= p ^ q
    }
    return difference == 0
}
