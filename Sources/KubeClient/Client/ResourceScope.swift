import KubeAPI

/// Where a kind is served: its plural resource name and whether objects live in namespaces.
public struct ResourceScope: Sendable, Hashable {
    /// The plural resource name (`deployments`).
    public var resource: String
    /// Whether objects are namespaced.
    public var namespaced: Bool

    /// Creates a scope.
    public init(resource: String, namespaced: Bool) {
        self.resource = resource
        self.namespaced = namespaced
    }

    /// The scope of a built-in kind, or `nil` for kinds the table does not know (custom
    /// resources: pass their scope to ``KubeClient/resource(_:scope:)``).
    public static func of(_ kind: GroupVersionKind) -> ResourceScope? { builtin[kind] }
}
