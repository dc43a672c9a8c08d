import KubeAPI

import HTTPTypes

/// Reads the bearer token of a request's `Authorization: Bearer <token>` header.
public enum BearerToken {
    /// What the `Authorization` header holds.
    public enum Credential: Sendable, Hashable {
        /// No `Authorization` header.
        case none
        /// A bearer token (never empty).
        case token(String)
        /// An `Authorization` header that is not a usable bearer token (another scheme, an
        /// empty token).
        case malformed
    }

    /// Reads the credential in `headers`. The scheme is matched case-insensitively and
    /// surrounding whitespace is ignored, as upstream does.
    public static func credential(in headers: HTTPFields) -> Credential {
        guard let value = headers[.authorization] else { return .none }
        let trimmed = value.trimmingSpaces()
        let parts = trimmed.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .malformed }
        let token = String(parts[1]).trimmingSpaces()
        guard !token.isEmpty, !token.contains(" ") else { return .malformed }
        return .token(token)
    }
}
