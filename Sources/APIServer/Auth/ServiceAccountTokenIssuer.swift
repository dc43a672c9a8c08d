#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// Signs service-account tokens (JWTs) with the server's service-account key.
public struct ServiceAccountTokenIssuer: Sendable {
    /// Upstream's default issuer, which is also the default audience.
    public static let defaultIssuer = "https://kubernetes.default.svc.cluster.local"

    /// The signing key.
    public let key: ServiceAccountSigningKey
    /// The `iss` claim.
    public let issuer: String
    /// The audiences used when a request names none (the API server's own).
    public let defaultAudiences: [String]
    /// The clock, in seconds since the epoch.
    public let now: @Sendable () -> Int64

    /// Creates an issuer. `defaultAudiences` defaults to `[issuer]`.
    public init(
        key: ServiceAccountSigningKey, issuer: String = ServiceAccountTokenIssuer.defaultIssuer,
        defaultAudiences: [String]? = nil, now: @escaping @Sendable () -> Int64 = { Time.now().secondsSinceEpoch }
    ) {
        self.key = key
        self.issuer = issuer
        self.defaultAudiences = defaultAudiences ?? [issuer]
        self.now = now
    }

    /// Issues a token for the service account `namespace/name` (with `uid`), valid from now for
    /// `expirationSeconds`, for `audiences` (the default ones when empty), optionally bound to a
    /// pod, node or secret.
    ///
    /// - Throws: the crypto library's error if signing fails.
    public func issue(
        namespace: String, name: String, uid: String, audiences: [String] = [], expirationSeconds: Int64,
        pod: ServiceAccountTokenClaims.BoundObject? = nil, node: ServiceAccountTokenClaims.BoundObject? = nil,
        secret: ServiceAccountTokenClaims.BoundObject? = nil
    ) throws -> (token: String, claims: ServiceAccountTokenClaims) {
        let issuedAt = now()
        let claims = ServiceAccountTokenClaims(
            issuer: issuer, audiences: audiences.isEmpty ? defaultAudiences : audiences,
            expiresAt: issuedAt + expirationSeconds, issuedAt: issuedAt, notBefore: issuedAt,
            id: UUID().uuidString.lowercased(), namespace: namespace, serviceAccountName: name,
            serviceAccountUID: uid, pod: pod, node: node, secret: secret)
        return (try sign(claims), claims)
    }

    /// Signs arbitrary claims (tests use this to forge expired or foreign tokens).
    ///
    /// - Throws: the crypto library's error if signing fails.
    public func sign(_ claims: ServiceAccountTokenClaims) throws -> String {
        let header: JSONValue = ["alg": .string(key.algorithm), "kid": .string(key.publicKey.keyID)]
        func segment(_ bytes: [UInt8]) -> String { Base64.encode(bytes, alphabet: .url, padded: false) }
        let input = segment(header.serialized(escapingHTML: false)) + "." + segment(claims.json.serialized(escapingHTML: false))
        let signature = try key.sign(Array(input.utf8))
        return input + "." + segment(signature)
    }
}
