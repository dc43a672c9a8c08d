import KubeAPI

/// Asks authorizers in turn: the first `allow` or `deny` decides; if all have no opinion the
/// request is not allowed (the reasons given are joined).
public struct AuthorizerChain: Authorizer, RuleResolver {
    /// The authorizers, in the order they are asked.
    public var authorizers: [any Authorizer]
    /// The rule resolvers merged for rules reviews.
    public var ruleResolvers: [any RuleResolver]

    /// Creates a chain. Rule resolvers default to those authorizers that are also resolvers.
    public init(_ authorizers: [any Authorizer], ruleResolvers: [any RuleResolver]? = nil) {
        self.authorizers = authorizers
        self.ruleResolvers = ruleResolvers ?? authorizers.compactMap { $0 as? any RuleResolver }
    }

    /// The first definite decision, or `noOpinion` with the non-empty reasons joined by `, `.
    public func authorize(_ attributes: AuthorizationAttributes) async -> AuthorizationDecision {
        var reasons: [String] = []
        for authorizer in authorizers {
            switch await authorizer.authorize(attributes) {
            case .allow(let reason): return .allow(reason: reason)
            case .deny(let reason): return .deny(reason: reason)
            case .noOpinion(let reason): if !reason.isEmpty { reasons.append(reason) }
            }
        }
        return .noOpinion(reason: reasons.joined(separator: ", "))
    }

    /// The union of every resolver's rules.
    public func rules(for user: UserInfo, namespace: String) async -> SubjectRules {
        var result = SubjectRules()
        for resolver in ruleResolvers { result.append(await resolver.rules(for: user, namespace: namespace)) }
        return result
    }
}

extension AuthorizationDecision {
    /// Whether the request is allowed.
    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }

    /// The decision's reason.
    public var reason: String {
        switch self {
        case .allow(let reason), .deny(let reason), .noOpinion(let reason): reason
        }
    }
}
