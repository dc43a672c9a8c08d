import KubeAPI
import Synchronization

/// Role-based access control: allows a request when a ClusterRoleBinding, or a RoleBinding in
/// the request's namespace, binds the user (by name, group or service account) to a role with a
/// rule that covers the request. Never denies outright: without a matching rule it has no opinion.
///
/// Holds the current ``RBACPolicy`` snapshot behind a lock; the composer replaces it as the
/// registry's watches report RBAC changes.
public final class RBACAuthorizer: Authorizer, RuleResolver {
    private let state: Mutex<RBACPolicy>

    /// Creates the authorizer with an initial snapshot.
    public init(policy: RBACPolicy = RBACPolicy()) {
        state = Mutex(policy)
    }

    /// The current snapshot.
    public var policy: RBACPolicy { state.withLock { $0 } }

    /// Replaces the snapshot.
    public func update(policy: RBACPolicy) {
        state.withLock { $0 = policy }
    }

    /// Changes the snapshot in place (for watch events), returning what `change` returns.
    @discardableResult
    public func modify<Result: Sendable>(_ change: (inout RBACPolicy) -> Result) -> Result {
        state.withLock { change(&$0) }
    }

    /// Allows with the binding named in the reason, or has no opinion (the reason then lists
    /// bindings to missing roles, if any).
    public func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        decide(attributes, in: policy)
    }

    /// The decision against a given snapshot.
    public func decide(_ attributes: AuthorizationAttributes, in policy: RBACPolicy) -> AuthorizationDecision {
        var allowedBy: String?
        let request = attributes.request
        let errors = policy.visitGrants(for: attributes.user, namespace: request.isResourceRequest ? request.namespace : "") { grant in
            guard grant.rules.contains(where: { RBACRuleMatching.allows($0, request) }) else { return false }
            allowedBy = grant.reason
            return true
        }
        if let allowedBy { return .allow(reason: allowedBy) }
        if errors.isEmpty { return .noOpinion(reason: "") }
        return .noOpinion(reason: "RBAC: " + errors.joined(separator: ", "))
    }

    /// The rules of every binding that applies to `user` cluster-wide or in `namespace`.
    public func rules(for user: UserInfo, namespace: String) async -> SubjectRules {
        var result = SubjectRules()
        let errors = policy.visitGrants(for: user, namespace: namespace) { grant in
            result.append(grant.rules)
            return false
        }
        result.evaluationErrors = errors
        return result
    }
}
