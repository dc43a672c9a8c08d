import KubeAPI

/// Lists what a user may do in a namespace (for SelfSubjectRulesReview and
/// `kubectl auth can-i --list`).
public protocol RuleResolver: Sendable {
    /// The rules that apply to `user` in `namespace` (cluster-wide rules included). Never fails:
    /// problems are reported in ``SubjectRules/evaluationErrors``.
    func rules(for user: UserInfo, namespace: String) async -> SubjectRules
}

/// The rules a user has, split as SelfSubjectRulesReview reports them.
public struct SubjectRules: Sendable, Hashable {
    /// Rules on resources.
    public var resourceRules: [AuthorizationV1.ResourceRule]
    /// Rules on non-resource paths.
    public var nonResourceRules: [AuthorizationV1.NonResourceRule]
    /// Problems met (such as bindings to roles that do not exist); the list may be incomplete.
    public var evaluationErrors: [String]

    /// Creates a rule set.
    public init(
        resourceRules: [AuthorizationV1.ResourceRule] = [], nonResourceRules: [AuthorizationV1.NonResourceRule] = [],
        evaluationErrors: [String] = []
    ) {
        self.resourceRules = resourceRules
        self.nonResourceRules = nonResourceRules
        self.evaluationErrors = evaluationErrors
    }

    /// Appends the review forms of policy rules: a rule with resources becomes a resource rule, a
    /// rule with non-resource URLs a non-resource rule.
    public mutating func append(_ rules: [RbacV1.PolicyRule]) {
        for rule in rules {
            if let resources = rule.resources, !resources.isEmpty {
                resourceRules.append(AuthorizationV1.ResourceRule(
                    apiGroups: rule.apiGroups, resourceNames: rule.resourceNames?.isEmpty == false ? rule.resourceNames : nil,
                    resources: resources, verbs: rule.verbs ?? []))
            }
            if let urls = rule.nonResourceURLs, !urls.isEmpty {
                nonResourceRules.append(AuthorizationV1.NonResourceRule(nonResourceURLs: urls, verbs: rule.verbs ?? []))
            }
        }
    }

    /// Appends another set.
    public mutating func append(_ other: SubjectRules) {
        resourceRules += other.resourceRules
        nonResourceRules += other.nonResourceRules
        evaluationErrors += other.evaluationErrors
    }
}
