import APIServer
import KubeAPI

/// A token a node joins with, in any of the forms K3s accepts:
///
/// - `K10<sha256 of the server CA>::server:<secret>` (the server token, `node-token`);
/// - `K10<sha256 of the server CA>::<id>.<secret>` (a bootstrap token with the CA hash);
/// - `<id>.<secret>` (a bare bootstrap token) or a bare server secret.
///
/// Only the K10 forms let the node check the server's CA; bare tokens trust the CA the server
/// shows on first use.
public struct JoinToken: Sendable, Hashable {
    /// The lower-case hex SHA-256 of the server CA bundle, for K10 tokens.
    public var caHash: String?
    /// What follows the `::` of a K10 token, or the whole bare token: `server:<secret>`,
    /// `<id>.<secret>` or a secret.
    public var credentials: String

    /// Why a token string cannot be used.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong (the token is never echoed: it is a secret).
        public var reason: String
        /// The reason with context.
        public var description: String { "invalid join token: \(reason)" }
    }

    /// Parses a token.
    public init(parsing text: String) throws(ParseError) {
        let text = text.trimmingSpaces()
        guard !text.isEmpty else { throw ParseError(reason: "empty") }
        guard !text.contains(where: \.isWhitespace) else { throw ParseError(reason: "contains whitespace") }
        guard text.hasPrefix("K10") else {
            caHash = nil
            credentials = text
            return
        }
        let body = text.dropFirst(3)
        guard let separator = body.firstRange(of: "::") else {
            throw ParseError(reason: "a K10 token has the form K10<ca-hash>::<credentials>")
        }
        let hash = body[..<separator.lowerBound]
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            throw ParseError(reason: "the CA hash after K10 must be 64 lower-case hex digits")
        }
        let credentials = String(body[separator.upperBound...])
        if let colon = credentials.firstIndex(of: ":") {
            guard colon != credentials.startIndex, credentials.index(after: colon) != credentials.endIndex else {
                throw ParseError(reason: "the user and secret must not be empty")
            }
        } else {
            guard BootstrapToken.looksLikeToken(credentials) else {
                throw ParseError(reason: "the credentials after :: must be <user>:<secret> or a bootstrap token <id>.<secret>")
            }
        }
        caHash = String(hash)
        self.credentials = credentials
    }

    /// Whether the credentials are a bootstrap token.
    public var isBootstrapToken: Bool { BootstrapToken.looksLikeToken(credentials) }

    /// The token as sent to the server (the K10 form when it has a hash).
    public var text: String {
        guard let caHash else { return credentials }
        return "K10\(caHash)::\(credentials)"
    }

    /// Whether `caBundlePEM` is the CA the token names (true for tokens without a hash).
    public func matches(caBundlePEM: String) -> Bool {
        caHash.map { $0 == NodeToken.hash(caBundlePEM) } ?? true
    }
}
