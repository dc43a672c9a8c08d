import KubeAPI

/// A compiled node selector: a pod's `nodeSelector` map ANDed with the OR of its required node
/// affinity terms. Matching allocates nothing.
public struct NodeSelectorMatcher: Sendable {
    /// One compiled `NodeSelectorTerm`: its expressions and fields all hold.
    public struct Term: Sendable {
        var expressions: [Requirement]
        var fields: [Requirement]

        /// Whether the term holds for a node. A term without requirements matches nothing.
        public func matches(labels: [String: String], nodeName: String) -> Bool {
            if expressions.isEmpty && fields.isEmpty { return false }
            for requirement in expressions where !requirement.matches(labels[requirement.key]) { return false }
            for requirement in fields {
                let value: String? = requirement.key == "metadata.name" ? nodeName : nil
                if !requirement.matches(value) { return false }
            }
            return true
        }
    }

    /// One `NodeSelectorRequirement` with its operator decoded.
    struct Requirement: Sendable {
        enum Operator: Sendable { case `in`, notIn, exists, doesNotExist, greaterThan, lessThan, invalid }
        var key: String
        var op: Operator
        var values: [String]
        var number: Int64

        init(_ requirement: CoreV1.NodeSelectorRequirement) {
            key = requirement.key ?? ""
            values = requirement.values ?? []
            number = 0
            switch requirement.operator {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            case "Gt", "Lt":
                if values.count == 1, let n = Int64(values[0]) {
                    op = requirement.operator == "Gt" ? .greaterThan : .lessThan
                    number = n
                } else {
                    op = .invalid
                }
            default: op = .invalid
            }
        }

        func matches(_ value: String?) -> Bool {
            switch op {
            case .in: return value.map { values.contains($0) } ?? false
            case .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            case .greaterThan: return value.flatMap { Int64($0) }.map { $0 > number } ?? false
            case .lessThan: return value.flatMap { Int64($0) }.map { $0 < number } ?? false
            case .invalid: return false
            }
        }
    }

    /// `spec.nodeSelector` pairs, all required.
    public private(set) var selector: [(key: String, value: String)]
    /// Required affinity terms (ORed); `nil` when the pod has no required node affinity.
    public private(set) var requiredTerms: [Term]?

    /// Compiles the pod's node selector and required node affinity.
    public init(pod: CoreV1.Pod) {
        selector = (pod.spec?.nodeSelector ?? [:]).map { (key: $0.key, value: $0.value) }
        if let required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution {
            requiredTerms = (required.nodeSelectorTerms ?? []).map(Self.compile)
        } else {
            requiredTerms = nil
        }
    }

    /// Compiles one node selector term.
    public static func compile(_ term: CoreV1.NodeSelectorTerm) -> Term {
        Term(expressions: (term.matchExpressions ?? []).map(Requirement.init),
             fields: (term.matchFields ?? []).map(Requirement.init))
    }

    /// Whether the matcher constrains nothing.
    public var isEmpty: Bool { selector.isEmpty && requiredTerms == nil }

    /// Whether the node satisfies the selector and at least one required term.
    public func matches(labels: [String: String], nodeName: String) -> Bool {
        for pair in selector where labels[pair.key] != pair.value { return false }
        guard let requiredTerms else { return true }
        for term in requiredTerms where term.matches(labels: labels, nodeName: nodeName) { return true }
        return false
    }
}
