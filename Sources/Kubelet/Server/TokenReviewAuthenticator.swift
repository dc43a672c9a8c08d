import KubeAPI
import KubeClient

/// Checks bearer tokens with the API server: `POST /apis/authentication.k8s.io/v1/tokenreviews`
/// through the kubelet's own client (its node credentials may create TokenReviews). Answers are
/// cached by token (valid tokens for ``validTTL``, invalid ones for ``invalidTTL``),
/// so a stream of requests with one token costs one review.
public struct TokenReviewAuthenticator: KubeletAuthenticator {
    let client: KubeClient
    /// How long a valid token's user is remembered (upstream default: 2 minutes).
    public var validTTL: Duration
    /// How long a refusal is remembered.
    public var invalidTTL: Duration
    let cache = ExpiringCache<String, KubeletUser?>()

    /// Creates the authenticator.
    public init(client: KubeClient, validTTL: Duration = .seconds(120), invalidTTL: Duration = .seconds(30)) {
        self.client = client
        self.validTTL = validTTL
        self.invalidTTL = invalidTTL
    }

    /// The token's user per the API server, or `nil` when it says the token is not valid.
    ///
    /// - Throws: the client's error when the review cannot be made.
    public func authenticate(token: String) async throws -> KubeletUser? {
        let key = token
        if let cached = cache.value(for: key) { return cached }
        let review = AuthenticationV1.TokenReview(spec: AuthenticationV1.TokenReviewSpec(token: token))
        let answer = try await client.resource(AuthenticationV1.TokenReview.self).create(review)
        var user: KubeletUser?
        if let status = answer.status, status.authenticated == true, let info = status.user, let name = info.username, !name.isEmpty {
            user = KubeletUser(name: name, uid: info.uid ?? "", groups: info.groups ?? [], extra: info.extra ?? [:])
        }
        cache.store(user, for: key, ttl: user == nil ? invalidTTL : validTTL)
        return user
    }
}
