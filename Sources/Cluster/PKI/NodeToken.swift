import Crypto
import KubeAPI

/// A K3s join token: `K10<sha256 of the CA bundle, hex>::<user>:<secret>`.
///
/// The hash lets a joining node check the CA it is shown before trusting it; the user part is
/// `server` for the server token written to `DATA_DIR/server/token` and `node-token`. A bare
/// string without the `K10` prefix is accepted too: all of it is the secret (K3s allows that
/// for `--token`, skipping the CA check).
public struct NodeToken: Sendable, Hashable, CustomStringConvertible {
    /// The lower-case hex SHA-256 of the CA bundle's PEM bytes, if the token carries one.
    public var caHash: String?
    /// The user part (`server` for server tokens).
    public var username: String
    /// The shared secret.
    public var password: String

    /// Why a token string was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong (the token itself is never echoed: it is a secret).
        public var reason: String
        public var description: String { "invalid token: \(reason)" }
    }

    /// Creates a token for a CA bundle.
    public init(caCertificatePEM: String, username: String = "server", password: String) {
        self.caHash = NodeToken.hash(caCertificatePEM)
        self.username = username
        self.password = password
    }

    /// Parses a K10 token or a bare secret.
    public init(parsing text: String) throws(ParseError) {
        let text = text.trimmingSpaces()
        guard !text.isEmpty else { throw ParseError(reason: "empty") }
        guard text.hasPrefix("K10") else {
            guard !text.contains(where: \.isWhitespace) else { throw ParseError(reason: "contains whitespace") }
            caHash = nil
            username = "server"
            password = text
            return
        }
        let body = text.dropFirst(3)
        guard let separator = body.firstRange(of: "::") else {
            throw ParseError(reason: "a K10 token has the form K10<ca-hash>::<user>:<secret>")
        }
        let hash = body[..<separator.lowerBound]
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw ParseError(reason: "the CA hash after K10 must be 64 lower-case hex digits")
        }
        let credentials = body[separator.upperBound...]
        guard let colon = credentials.firstIndex(of: ":") else {
            throw ParseError(reason: "a K10 token has the form K10<ca-hash>::<user>:<secret>")
        }
        let user = credentials[..<colon]
        let secret = credentials[credentials.index(after: colon)...]
        guard !user.isEmpty, !secret.isEmpty else { throw ParseError(reason: "the user and secret must not be empty") }
        guard !secret.contains(where: \.isWhitespace) else { throw ParseError(reason: "contains whitespace") }
        caHash = String(hash)
        username = String(user)
        password = String(secret)
    }

    /// The token in K10 form (or the bare secret when it has no CA hash).
    public var description: String {
        guard let caHash else { return password }
        return "K10\(caHash)::\(username):\(password)"
    }

    /// Whether the CA hash matches a CA bundle (true for tokens without a hash).
    public func matches(caCertificatePEM: String) -> Bool {
        caHash.map { $0 == NodeToken.hash(caCertificatePEM) } ?? true
    }

    /// The lower-case hex SHA-256 of a CA bundle's bytes.
    public static func hash(_ caCertificatePEM: String) -> String {
        SHA256.hash(data: Array(caCertificatePEM.utf8)).lowercaseHex
    }

    /// A fresh random secret: 16 random bytes as 32 hex digits, as K3s generates.
    public static func randomSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
