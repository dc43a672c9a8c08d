import KubeAPI

/// Allows everything to members of privileged groups (`system:masters`), before RBAC is asked,
/// so the cluster admin keeps access even if the RBAC objects are broken.
public struct SuperuserAuthorizer: Authorizer, RuleResolver {
    /// The privileged groups.
    public var groups: Set<String>

    /// Creates the authorizer; by default for `system:masters`.
    public init(groups: Set<String> = ["system:masters"]) {
        self.groups = groups
    }

    /// Allows members of a privileged group; no opinion on anyone else.
    public func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        attributes.user.groups.contains(where: groups.contains) ? .allow(reason: "") : .noOpinion(reason: "")
    }

    /// `*` on everything for members of a privileged group; nothing for others.
    public func rules(for user: UserInfo, namespace: String) async -> SubjectRules {
        guard user.groups.contains(where: groups.contains) else { return SubjectRules() }
        return SubjectRules(
            resourceRules: [AuthorizationV1.ResourceRule(apiGroups: ["*"], resources: ["*"], verbs: ["*"])],
            nonResourceRules: [AuthorizationV1.NonResourceRule(nonResourceURLs: ["*"], verbs: ["*"])])
    }
}
