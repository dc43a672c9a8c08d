import KubeAPI
import KubeClient
import Synchronization

/// Maps an owner reference's `apiVersion`/`kind` to the resource to read it from: the built-in
/// table first, then (for custom resources) the server's discovery documents, refreshed on a miss.
final class ResourceMapper: Sendable {
    struct Mapping: Sendable, Hashable {
        var resource: GroupVersionResource
        var namespaced: Bool
    }

    let discovery: APIResourceDiscovery
    private let cache = Mutex<[GroupVersionKind: Mapping]>([:])

    init(client: KubeClient) { discovery = APIResourceDiscovery(client: client) }

    /// The mapping of `kind`, or `nil` when the server does not serve it.
    func mapping(apiVersion: String, kind: String) async -> Mapping? {
        let gvk = GroupVersionKind(apiVersion: apiVersion, kind: kind)
        if let scope = ResourceScope.of(gvk) {
            return Mapping(resource: GroupVersionResource(group: gvk.group, version: gvk.version, resource: scope.resource), namespaced: scope.namespaced)
        }
        if let cached = cache.withLock({ $0[gvk] }) { return cached }
        // Discovery lists each group's preferred version; other versions of the same kind share
        // the resource name.
        guard let resources = try? await discovery.resources() else { return nil }
        cache.withLock { cache in
            for found in resources {
                let key = GroupVersionKind(group: found.resource.group, version: found.resource.version, kind: found.kind)
                cache[key] = Mapping(resource: found.resource, namespaced: found.namespaced)
            }
            if cache[gvk] == nil, let sameKind = resources.first(where: { $0.resource.group == gvk.group && $0.kind == kind }) {
                cache[gvk] = Mapping(
                    resource: GroupVersionResource(group: gvk.group, version: gvk.version, resource: sameKind.resource.resource),
                    namespaced: sameKind.namespaced)
            }
        }
        return cache.withLock { $0[gvk] }
    }
}
