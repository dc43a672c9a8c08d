import KubeAPI

/// Authenticates bootstrap tokens (`<id>.<secret>`) against their Secrets
/// (`kube-system/bootstrap-token-<id>`, type `bootstrap.kubernetes.io/token`).
///
/// A token is accepted when its Secret exists with that type, its `token-id` and `token-secret`
/// match (the secret compared in constant time), `usage-bootstrap-authentication` is `"true"`
/// and `expiration`, if present, lies in the future. It then stands for user
/// `system:bootstrap:<id>` in `system:bootstrappers` plus the Secret's `auth-extra-groups`
/// (only groups starting with `system:bootstrappers:` are honoured). Tokens of another shape
/// are left to other authenticators; tokens of this shape that fail a check are not accepted
/// (``verify(_:)`` tells why).
public struct BootstrapTokenAuthenticator: TokenAuthenticator {
    /// Reads a Secret in `kube-system` by name; `nil` when it does not exist.
    public typealias SecretLookup = @Sendable (_ name: String) async throws -> JSONValue?

    /// Reads the token Secrets.
    public let secret: SecretLookup
    /// The clock.
    public let now: @Sendable () -> Time

    /// The outcome of checking one token.
    public enum Verification: Sendable, Hashable {
        /// Not shaped like a bootstrap token.
        case notBootstrapToken
        /// Shaped like one, but refused for the reason given (unknown id, wrong secret, expired,
        /// not for authentication).
        case rejected(String)
        /// Accepted as this user.
        case accepted(UserInfo)
    }

    /// Creates the authenticator.
    public init(secret: @escaping SecretLookup, now: @escaping @Sendable () -> Time = { Time.now() }) {
        self.secret = secret
        self.now = now
    }

    /// The token's identity when ``verify(_:)`` accepts it, `nil` otherwise.
    public func authenticate(token: String, audiences: [String]?) async throws -> AuthenticatedToken? {
        guard case .accepted(let user) = try await verify(token) else { return nil }
        return AuthenticatedToken(user: user, audiences: audiences ?? [])
    }

    /// Checks one token against its Secret.
    ///
    /// - Throws: only when the Secret cannot be read.
    public func verify(_ text: String) async throws -> Verification {
        guard let token = try? BootstrapToken(parsing: text) else { return .notBootstrapToken }
        guard let object = try await secret(token.secretName) else {
            return .rejected("bootstrap token \(token.id) does not exist")
        }
        guard object["type"]?.stringValue == BootstrapToken.secretType else {
            return .rejected("secret \(token.secretName) is not of type \(BootstrapToken.secretType)")
        }
        let data = Self.decodedData(of: object)
        guard data[BootstrapToken.SecretKey.tokenID] == token.id,
              let stored = data[BootstrapToken.SecretKey.tokenSecret],
              constantTimeEqual(stored, token.secret)
        else {
            return .rejected("bootstrap token \(token.id) has a different secret")
        }
        guard data[BootstrapToken.SecretKey.usageAuthentication] == "true" else {
            return .rejected("bootstrap token \(token.id) is not usable for authentication")
        }
        if let expiration = data[BootstrapToken.SecretKey.expiration] {
            guard let time = Time(expiration) else {
                return .rejected("bootstrap token \(token.id) has an unreadable expiration")
            }
            guard now() < time else { return .rejected("bootstrap token \(token.id) has expired") }
        }
        if object[path: "metadata", "deletionTimestamp"] != nil {
            return .rejected("bootstrap token \(token.id) is being deleted")
        }
        var groups = [BootstrapToken.defaultGroup]
        for group in Self.extraGroups(data[BootstrapToken.SecretKey.extraGroups]) where !groups.contains(group) {
            groups.append(group)
        }
        return .accepted(UserInfo(name: BootstrapToken.userName(id: token.id), groups: groups))
    }

    /// The groups of an `auth-extra-groups` value that carry the required prefix.
    static func extraGroups(_ value: String?) -> [String] {
        guard let value else { return [] }
        return value.split(separator: ",").map { String($0).trimmingSpaces() }.filter { $0.hasPrefix(BootstrapToken.groupPrefix) }
    }

    /// The Secret's `data` decoded from base64 into text.
    static func decodedData(of secret: JSONValue) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in secret["data"]?.objectValue ?? [:] {
            guard let text = value.stringValue, let bytes = try? Base64.decode(text) else { continue }
            result[key] = String(decoding: bytes, as: UTF8.self)
        }
        return result
    }
}
