import KubeAPI

/// Everything the server needs to know to serve one resource: its names, scope, verbs and
/// subresources. Built-in resources come from `ResourceDescriptor.builtin` (generated from the
/// discovery documents of a real API server); custom resources get one from their CRD.
public struct ResourceDescriptor: Sendable, Hashable {
    /// The API group (empty for core).
    public var group: String
    /// The version served.
    public var version: String
    /// The plural resource name (`deployments`).
    public var resource: String
    /// The singular name (`deployment`).
    public var singularName: String
    /// The kind (`Deployment`).
    public var kind: String
    /// The list kind (`DeploymentList`).
    public var listKind: String
    /// `true` for namespaced resources.
    public var namespaced: Bool
    /// The verbs served on the collection and objects (`get`, `list`, `watch`, `create`, ...).
    public var verbs: [String]
    /// Short names (`deploy`).
    public var shortNames: [String]
    /// Categories (`all`).
    public var categories: [String]
    /// The subresources served (`status`, `scale`, ...).
    public var subresources: [Subresource]
    /// Where a custom resource's `scale` subresource reads and writes replicas (`nil`: `.spec.replicas`,
    /// `.status.replicas` and `.spec.selector`, as the built-in kinds have them).
    public var scalePaths: ScaleSubresourcePaths?

    /// A subresource: its name, the kind it takes and returns, and its verbs.
    public struct Subresource: Sendable, Hashable {
        /// The name (`status`, `scale`, `binding`, `eviction`, `token`, `log`, ...).
        public var name: String
        /// The kind the subresource reads and writes (`Scale` for `scale`).
        public var kind: String
        /// The group of that kind when it differs from the parent's (`autoscaling` for `scale`).
        public var group: String?
        /// The version of that kind when it differs from the parent's.
        public var version: String?
        /// The verbs served.
        public var verbs: [String]

        /// Creates a subresource description.
        public init(name: String, kind: String, group: String? = nil, version: String? = nil, verbs: [String]) {
            self.name = name
            self.kind = kind
            self.group = group
            self.version = version
            self.verbs = verbs
        }
    }

    /// Creates a descriptor.
    public init(
        group: String, version: String, resource: String, singularName: String, kind: String,
        listKind: String? = nil, namespaced: Bool, verbs: [String], shortNames: [String] = [],
        categories: [String] = [], subresources: [Subresource] = [], scalePaths: ScaleSubresourcePaths? = nil
    ) {
        self.group = group
        self.version = version
        self.resource = resource
        self.singularName = singularName
        self.kind = kind
        self.listKind = listKind ?? kind + "List"
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
        self.scalePaths = scalePaths
    }

    /// The group/version/resource.
    public var groupVersionResource: GroupVersionResource {
        GroupVersionResource(group: group, version: version, resource: resource)
    }

    /// The group/version/kind of the objects.
    public var groupVersionKind: GroupVersionKind {
        GroupVersionKind(group: group, version: version, kind: kind)
    }

    /// The `apiVersion` of the objects.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// Whether `verb` is served on the main resource.
    public func supports(_ verb: String) -> Bool { verbs.contains(verb) }

    /// The subresource called `name`, if served.
    public func subresource(_ name: String) -> Subresource? { subresources.first { $0.name == name } }
}
