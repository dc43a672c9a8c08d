import KubeAPI
import Synchronization

/// The custom resources currently served, by group/version/resource: what the write hooks,
/// the Table convertor, `fieldValidation` and the scale subresource consult. Filled by
/// ``CustomResourceController``; thread-safe.
public final class CustomResourceCatalog: Sendable {
    private let table = Mutex<[GroupVersionResource: ServedCustomResource]>([:])

    /// Creates an empty catalog.
    public init() {}

    /// The served custom resource at `resource`, if any.
    public func resource(_ resource: GroupVersionResource) -> ServedCustomResource? {
        table.withLock { $0[resource] }
    }

    /// The served custom resource of `descriptor`, if it is one.
    public func resource(for descriptor: ResourceDescriptor) -> ServedCustomResource? {
        resource(descriptor.groupVersionResource)
    }

    /// Every served custom resource.
    public var all: [ServedCustomResource] { table.withLock { Array($0.values) } }

    /// Serves exactly `versions` for the CRD `definitionName` (removing versions it no longer serves);
    /// returns the resources removed.
    @discardableResult
    public func replace(definitionName: String, with versions: [ServedCustomResource]) -> [GroupVersionResource] {
        table.withLock { table in
            let old = table.filter { $0.value.definitionName == definitionName }.map(\.key)
            for key in old { table.removeValue(forKey: key) }
            for version in versions { table[version.descriptor.groupVersionResource] = version }
            let kept = Set(versions.map(\.descriptor.groupVersionResource))
            return old.filter { !kept.contains($0) }
        }
    }

    /// The resources of the CRD `definitionName`.
    public func resources(definitionName: String) -> [ServedCustomResource] {
        table.withLock { $0.values.filter { $0.definitionName == definitionName } }
    }
}
