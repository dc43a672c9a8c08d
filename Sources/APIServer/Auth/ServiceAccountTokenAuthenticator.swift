import KubeAPI

/// Verifies service-account tokens (JWTs this server, or one sharing its keys, signed): the
/// signature, the issuer, expiry and not-before against an injected clock, the audience, and that
/// the service account (and any bound pod or secret) still exists with the uid in the token.
///
/// Tokens that are not JWTs, or whose issuer is not one of ``issuers``, are left to other
/// authenticators; tokens with our issuer that fail any check are refused (401).
public struct ServiceAccountTokenAuthenticator: TokenAuthenticator {
    /// Looks up the uid of an object by namespace and name; `nil` when it does not exist.
    public typealias UIDLookup = @Sendable (_ namespace: String, _ name: String) async throws -> String?

    /// The keys whose signatures are accepted.
    public let keys: [ServiceAccountVerificationKey]
    /// The accepted `iss` values.
    public let issuers: [String]
    /// The API server's audiences, used when the caller names none.
    public let audiences: [String]
    /// The clock, in seconds since the epoch.
    public let now: @Sendable () -> Int64
    /// The uid of a service account (`namespace`, `name`), or `nil` if it is gone.
    public let serviceAccountUID: UIDLookup
    /// The uid of a pod; when set, pod-bound tokens are refused once the pod is gone or replaced.
    public let podUID: UIDLookup?
    /// The uid of a secret; when set, secret-bound tokens are refused once the secret is gone.
    public let secretUID: UIDLookup?

    /// Creates the authenticator. `audiences` defaults to the issuers.
    public init(
        keys: [ServiceAccountVerificationKey], issuers: [String] = [ServiceAccountTokenIssuer.defaultIssuer],
        audiences: [String]? = nil, now: @escaping @Sendable () -> Int64 = { Time.now().secondsSinceEpoch },
        serviceAccountUID: @escaping UIDLookup, podUID: UIDLookup? = nil, secretUID: UIDLookup? = nil
    ) {
        self.keys = keys
        self.issuers = issuers
        self.audiences = audiences ?? issuers
        self.now = now
        self.serviceAccountUID = serviceAccountUID
        self.podUID = podUID
        self.secretUID = secretUID
    }

    /// Why a token of ours was refused (the message of the thrown 401).
    public enum Failure: String, Sendable, Hashable {
        /// The token cannot be decoded or lacks required claims.
        case malformed = "service account token is malformed"
        /// No accepted key signed the token.
        case badSignature = "service account token signature is invalid"
        /// `exp` has passed.
        case expired = "service account token has expired"
        /// `nbf` lies in the future.
        case notYetValid = "service account token is not valid yet"
        /// No audience of the token is accepted.
        case wrongAudience = "service account token audience is invalid"
        /// The service account is gone.
        case accountMissing = "service account token refers to a service account that no longer exists"
        /// The service account has a different uid now.
        case accountReplaced = "service account token refers to a service account that was deleted and recreated"
        /// The bound pod or secret is gone or replaced.
        case boundObjectMissing = "service account token is bound to an object that no longer exists"
    }

    /// The service account's identity, `nil` for tokens that are not ours.
    ///
    /// - Throws: 401 with a ``Failure`` message for our tokens that fail a check.
    public func authenticate(token: String, audiences requested: [String]?) async throws -> AuthenticatedToken? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        func segment(_ text: Substring) -> [UInt8]? { try? Base64.decode(text, alphabet: .url, padding: .forbidden) }
        guard parts.count == 3,
              let headerBytes = segment(parts[0]), let header = try? JSONValue(parsing: headerBytes),
              let payloadBytes = segment(parts[1]), let payload = try? JSONValue(parsing: payloadBytes),
              let issuer = payload["iss"]?.stringValue
        else { return nil }
        guard issuers.contains(issuer) else { return nil }

        func fail(_ failure: Failure) -> StatusError { StatusError.unauthorized(failure.rawValue) }
        guard let algorithm = header["alg"]?.stringValue, let signature = segment(parts[2]) else { throw fail(.malformed) }
        let input = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard keys.contains(where: { $0.verify(signature, of: input, algorithm: algorithm) }) else { throw fail(.badSignature) }
        guard let claims = ServiceAccountTokenClaims(json: payload) else { throw fail(.malformed) }

        let time = now()
        guard time < claims.expiresAt else { throw fail(.expired) }
        guard claims.notBefore <= time else { throw fail(.notYetValid) }
        let accepted = requested ?? audiences
        let matched = claims.audiences.filter { accepted.contains($0) }
        guard !matched.isEmpty else { throw fail(.wrongAudience) }

        guard let uid = try await serviceAccountUID(claims.namespace, claims.serviceAccountName) else { throw fail(.accountMissing) }
        guard uid == claims.serviceAccountUID else { throw fail(.accountReplaced) }
        if let pod = claims.pod, let podUID {
            guard try await podUID(claims.namespace, pod.name) == pod.uid else { throw fail(.boundObjectMissing) }
        }
        if let secret = claims.secret, let secretUID {
            guard try await secretUID(claims.namespace, secret.name) == secret.uid else { throw fail(.boundObjectMissing) }
        }

        var extra: [String: [String]] = [:]
        if let pod = claims.pod {
            extra["authentication.kubernetes.io/pod-name"] = [pod.name]
            extra["authentication.kubernetes.io/pod-uid"] = [pod.uid]
        }
        if let node = claims.node {
            extra["authentication.kubernetes.io/node-name"] = [node.name]
            if !node.uid.isEmpty { extra["authentication.kubernetes.io/node-uid"] = [node.uid] }
        }
        if !claims.id.isEmpty { extra["authentication.kubernetes.io/credential-id"] = ["JTI=\(claims.id)"] }
        let user = UserInfo(
            name: claims.subject, uid: claims.serviceAccountUID,
            groups: ServiceAccountNames.groups(namespace: claims.namespace), extra: extra)
        return AuthenticatedToken(user: user, audiences: matched)
    }
}
