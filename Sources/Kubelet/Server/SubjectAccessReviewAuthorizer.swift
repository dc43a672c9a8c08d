import KubeAPI
import KubeClient

/// Asks the API server whether a user may use the kubelet API:
/// `POST /apis/authorization.k8s.io/v1/subjectaccessreviews` for the verb on `nodes/<sub>` of
/// this node, through the kubelet's own client. Decisions are cached per user, groups, verb and
/// subresource (allowed for ``allowedTTL``, denied for ``deniedTTL``).
public struct SubjectAccessReviewAuthorizer: KubeletAuthorizer {
    let client: KubeClient
    /// How long an allowed decision is remembered (upstream default: 5 minutes).
    public var allowedTTL: Duration
    /// How long a denial is remembered (upstream default: 30 seconds).
    public var deniedTTL: Duration

    struct Key: Hashable, Sendable {
        var user: KubeletUser
        var attributes: KubeletRequestAttributes
    }

    let cache = ExpiringCache<Key, KubeletAuthorizationDecision>()

    /// Creates the authorizer.
    public init(client: KubeClient, allowedTTL: Duration = .seconds(300), deniedTTL: Duration = .seconds(30)) {
        self.client = client
        self.allowedTTL = allowedTTL
        self.deniedTTL = deniedTTL
    }

    /// The API server's decision.
    ///
    /// - Throws: the client's error when the review cannot be made.
    public func authorize(_ user: KubeletUser, _ attributes: KubeletRequestAttributes) async throws -> KubeletAuthorizationDecision {
        let key = Key(user: user, attributes: attributes)
        if let cached = cache.value(for: key) { return cached }
        let review = AuthorizationV1.SubjectAccessReview(spec: AuthorizationV1.SubjectAccessReviewSpec(
            extra: user.extra.isEmpty ? nil : user.extra,
            groups: user.groups,
            resourceAttributes: AuthorizationV1.ResourceAttributes(
                group: "", name: attributes.nodeName, resource: "nodes", subresource: attributes.subresource,
                verb: attributes.verb, version: "v1"),
            uid: user.uid.isEmpty ? nil : user.uid,
            user: user.name))
        let answer = try await client.resource(AuthorizationV1.SubjectAccessReview.self).create(review)
        let decision = KubeletAuthorizationDecision(
            allowed: answer.status?.allowed == true && answer.status?.denied != true,
            reason: answer.status?.reason ?? answer.status?.evaluationError ?? "")
        cache.store(decision, for: key, ttl: decision.allowed ? allowedTTL : deniedTTL)
        return decision
    }
}
