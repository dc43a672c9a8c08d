import KubeAPI
import Synchronization

/// The `metrics.k8s.io` routes of a ``KubeAPIServer``: 404 (and absent from discovery) until a
/// source is set with ``serve(_:)``, then a ``ResourceMetricsHandler`` over it.
final class ResourceMetricsEndpoint: APIHandler, Sendable {
    let registry: ResourceRegistry
    let catalog: DiscoveryCatalog
    let handler = Mutex<ResourceMetricsHandler?>(nil)

    init(registry: ResourceRegistry, catalog: DiscoveryCatalog) {
        self.registry = registry
        self.catalog = catalog
    }

    /// Serves `source` from now on (replacing an earlier one); the first call adds the
    /// resources to discovery.
    func serve(_ source: any ResourceMetricsSource) {
        let first = handler.withLock { current in
            defer { current = ResourceMetricsHandler(source: source, registry: registry) }
            return current == nil
        }
        if first {
            for descriptor in ResourceMetricsHandler.descriptors { catalog.add(descriptor) }
        }
    }

    func handle(_ request: APIRequest) async -> APIResponse {
        guard let handler = handler.withLock({ $0 }) else { return ResponseEncoding.failure(ResourceHandler.notFoundPath) }
        return await handler.handle(request)
    }
}

extension KubeAPIServer {
    /// Serves `metrics.k8s.io/v1beta1` (`kubectl top`) from `source`, as
    /// ``Configuration/resourceMetrics`` does at construction; for a source built after the
    /// server (such as a ``KubeletMetricsScraper`` listing nodes with ``nodeNames()``).
    public func serveResourceMetrics(from source: any ResourceMetricsSource) {
        resourceMetrics.serve(source)
    }

    /// The names of the nodes the registry holds (what a metrics scraper visits).
    public func nodeNames() async throws -> [String] {
        guard let nodes = registry.store(group: "", version: "v1", resource: "nodes") else { return [] }
        return try await nodes.list(filter: ListFilter()).objects.map(\.name)
    }
}
