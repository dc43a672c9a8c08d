import KubeAPI

/// A bootstrap token, `<id>.<secret>`: a 6-character public id and a 16-character secret, both
/// of lower-case letters and digits. The token is stored as Secret `bootstrap-token-<id>` in
/// `kube-system` (type ``secretType``), so the id names the secret and only the secret part is
/// confidential.
public struct BootstrapToken: Sendable, Hashable, CustomStringConvertible {
    /// The public part (6 characters, `[a-z0-9]`).
    public var id: String
    /// The confidential part (16 characters, `[a-z0-9]`).
    public var secret: String

    /// The Secret type bootstrap tokens are stored as.
    public static let secretType = "bootstrap.kubernetes.io/token"
    /// The namespace their Secrets live in.
    public static let namespace = "kube-system"
    /// The prefix of their Secrets' names.
    public static let secretNamePrefix = "bootstrap-token-"
    /// The user-name prefix of an authenticated bootstrap token (`system:bootstrap:<id>`).
    public static let userPrefix = "system:bootstrap:"
    /// The group every bootstrap token is in.
    public static let defaultGroup = "system:bootstrappers"
    /// The prefix extra groups must carry.
    public static let groupPrefix = "system:bootstrappers:"

    /// Data keys of the token's Secret.
    public enum SecretKey {
        /// The id.
        public static let tokenID = "token-id"
        /// The secret.
        public static let tokenSecret = "token-secret"
        /// When the token stops being valid (RFC 3339), optional.
        public static let expiration = "expiration"
        /// A human description, optional.
        public static let description = "description"
        /// Comma-separated groups besides `system:bootstrappers`, optional.
        public static let extraGroups = "auth-extra-groups"
        /// `"true"` when the token may authenticate to the API server.
        public static let usageAuthentication = "usage-bootstrap-authentication"
        /// `"true"` when the token may sign the cluster-info ConfigMap.
        public static let usageSigning = "usage-bootstrap-signing"
    }

    /// Why a string is not a bootstrap token.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong (the token itself is never echoed).
        public var reason: String
        /// The reason with context.
        public var description: String { "invalid bootstrap token: \(reason)" }
    }

    /// Creates a token from its parts, checking both.
    public init(id: String, secret: String) throws(ParseError) {
        guard Self.isValidPart(id, length: 6) else {
            throw ParseError(reason: "the id must be 6 characters of [a-z0-9]")
        }
        guard Self.isValidPart(secret, length: 16) else {
            throw ParseError(reason: "the secret must be 16 characters of [a-z0-9]")
        }
        self.id = id
        self.secret = secret
    }

    /// Parses `<id>.<secret>`.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw ParseError(reason: "the form is <id>.<secret>") }
        try self.init(id: String(parts[0]), secret: String(parts[1]))
    }

    /// Whether `text` has the shape of a bootstrap token (without looking it up).
    public static func looksLikeToken(_ text: String) -> Bool {
        (try? BootstrapToken(parsing: text)) != nil
    }

    /// A new random token.
    public static func generate() -> BootstrapToken {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A new token drawn from `generator`.
    public static func generate(using generator: inout some RandomNumberGenerator) -> BootstrapToken {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        func part(_ length: Int) -> String {
            String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
        }
        // Both parts are built from the alphabet, so they are valid by construction.
        return BootstrapToken(unchecked: part(6), part(16))
    }

    private init(unchecked id: String, _ secret: String) {
        self.id = id
        self.secret = secret
    }

    /// `<id>.<secret>`.
    public var description: String { "\(id).\(secret)" }

    /// The name of the Secret holding this token.
    public var secretName: String { Self.secretNamePrefix + id }

    /// The user a token with `id` authenticates as.
    public static func userName(id: String) -> String { userPrefix + id }

    /// Whether `id` is a valid token id (6 characters of `[a-z0-9]`).
    public static func isValidID(_ id: String) -> Bool { isValidPart(id, length: 6) }

    static func isValidPart(_ text: String, length: Int) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}
