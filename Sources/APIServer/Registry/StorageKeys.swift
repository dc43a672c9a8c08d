/// Where objects live in the datastore.
///
/// Layout (documented in `Docs/Registry.md`):
/// - core group: `/registry/<resource>/<namespace>/<name>` (`/registry/pods/default/web-1`),
///   cluster-scoped `/registry/<resource>/<name>` (`/registry/namespaces/default`);
/// - named groups: `/registry/<group>/<resource>/<namespace>/<name>`
///   (`/registry/apps/deployments/default/web`), cluster-scoped without the namespace.
///
/// A resource's keys all start with its ``resourcePrefix``, which ends with `/`, so no
/// resource's prefix is a prefix of another's.
public struct StorageKeys: Sendable, Hashable {
    /// The store-wide prefix (`/registry/`).
    public let root: String
    /// The prefix of every key of this resource (`/registry/pods/`).
    public let resourcePrefix: String
    /// Whether keys carry a namespace segment.
    public let namespaced: Bool

    /// Creates the key scheme for a resource.
    public init(root: String = "/registry/", group: String, resource: String, namespaced: Bool) {
        self.root = root
        self.resourcePrefix = group.isEmpty ? "\(root)\(resource)/" : "\(root)\(group)/\(resource)/"
        self.namespaced = namespaced
    }

    /// The prefix of the keys in one namespace (`/registry/pods/default/`), or of every key
    /// when `namespace` is empty or the resource is cluster-scoped.
    public func prefix(namespace: String) -> String {
        guard namespaced, !namespace.isEmpty else { return resourcePrefix }
        return resourcePrefix + namespace + "/"
    }

    /// The key of one object.
    public func key(namespace: String, name: String) -> String {
        namespaced ? resourcePrefix + namespace + "/" + name : resourcePrefix + name
    }
}
