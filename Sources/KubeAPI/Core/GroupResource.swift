/// A resource collection without its version (`deployments.apps`), used to name objects in errors.
public struct GroupResource: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The API group; empty for the core group.
    public var group: String
    /// The lower-case plural resource name, such as `deployments`.
    public var resource: String

    /// Creates a group/resource pair.
    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    /// Whether both parts are empty.
    public var isEmpty: Bool { group.isEmpty && resource.isEmpty }

    /// `resource` for the core group, `resource.group` otherwise (`pods`, `deployments.apps`).
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// A kind without its version (`Deployment.apps`), used to name objects in validation errors.
public struct GroupKind: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The API group; empty for the core group.
    public var group: String
    /// The kind name, such as `Deployment`.
    public var kind: String

    /// Creates a group/kind pair.
    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }

    /// `Kind` for the core group, `Kind.group` otherwise (`Pod`, `Deployment.apps`).
    public var description: String { group.isEmpty ? kind : "\(kind).\(group)" }
}

extension GroupVersionResource {
    /// The group and resource, without the version.
    public var groupResource: GroupResource { GroupResource(group: group, resource: resource) }
}

extension GroupVersionKind {
    /// The group and kind, without the version.
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
}
