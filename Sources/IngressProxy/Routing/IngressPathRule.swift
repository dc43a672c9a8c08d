/// One path of an Ingress rule, as the proxy matches it against a request path.
///
/// `Exact` matches the path as written, case-sensitively. `Prefix` (and
/// `ImplementationSpecific`, which this proxy treats as `Prefix`) compares `/`-separated
/// elements: `/foo` matches `/foo`, `/foo/` and `/foo/bar` but not `/foobar`; a trailing `/` on
/// the rule is ignored, and `/` matches every path.
public struct IngressPathRule: Sendable, Hashable {
    /// How the path is compared.
    public enum Kind: String, Sendable, Hashable {
        /// The whole path, byte for byte.
        case exact = "Exact"
        /// Leading path elements.
        case prefix = "Prefix"
    }

    /// How the path is compared.
    public var kind: Kind
    /// The rule's path (for `Prefix`, without a trailing `/` except for the root).
    public var path: String
    /// The rule's path elements (`Prefix` only).
    let elements: [Substring]

    /// A rule from an Ingress path and its `pathType` (`nil` or an unknown type: `Prefix`,
    /// the way `ImplementationSpecific` is served). An empty path is `/`.
    public init(path: String?, pathType: String?) {
        let text = (path?.isEmpty ?? true) ? "/" : path!
        kind = pathType == Kind.exact.rawValue ? .exact : .prefix
        self.path = text
        elements = kind == .prefix ? text.split(separator: "/", omittingEmptySubsequences: true) : []
    }

    /// How specific the rule is: the longer path wins, and `Exact` beats `Prefix` at equal
    /// length.
    var specificity: (Int, Int) {
        (kind == .exact ? path.utf8.count : elements.reduce(0) { $0 + $1.utf8.count + 1 }, kind == .exact ? 1 : 0)
    }

    /// Whether the rule matches `requestPath` (the request target without its query).
    public func matches(_ requestPath: Substring) -> Bool {
        switch kind {
        case .exact:
            return requestPath == path[...]
        case .prefix:
            if elements.isEmpty { return true }
            var remaining = requestPath.split(separator: "/", omittingEmptySubsequences: true)[...]
            for element in elements {
                guard let next = remaining.first, next == element else { return false }
                remaining = remaining.dropFirst()
            }
            return true
        }
    }
}
