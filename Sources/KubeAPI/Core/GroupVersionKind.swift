/// The identity of a kind of object: API group, version and kind name (`apps/v1, Kind=Deployment`).
///
/// The core group is the empty string, so `CoreV1.Pod` is `GroupVersionKind(group: "", version: "v1", kind: "Pod")`.
public struct GroupVersionKind: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The API group; empty for the core ("legacy") group.
    public var group: String
    /// The version within the group, such as `v1`.
    public var version: String
    /// The kind name, such as `Deployment`.
    public var kind: String

    /// Creates a group/version/kind triple.
    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// Creates a triple from an `apiVersion` string (`v1` or `apps/v1`) and a kind.
    public init(apiVersion: String, kind: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            self.group = String(apiVersion[..<slash])
            self.version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            self.group = ""
            self.version = apiVersion
        }
        self.kind = kind
    }

    /// The `apiVersion` field value: `version` for the core group, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String { "\(apiVersion), Kind=\(kind)" }
}

/// The identity of a served resource collection: API group, version and plural resource name (`apps/v1, Resource=deployments`).
public struct GroupVersionResource: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The API group; empty for the core group.
    public var group: String
    /// The version within the group.
    public var version: String
    /// The lower-case plural resource name, such as `deployments`.
    public var resource: String

    /// Creates a group/version/resource triple.
    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }

    /// The `apiVersion` string of this group and version.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    public var description: String { "\(apiVersion), Resource=\(resource)" }
}
