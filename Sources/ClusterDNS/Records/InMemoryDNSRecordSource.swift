import KubeAPI
import Synchronization

/// A ``DNSRecordSource`` fed by hand with Services, EndpointSlices and namespaces: the working
/// in-memory implementation for tests and benchmarks. Every call publishes a new index.
public final class InMemoryDNSRecordSource: DNSRecordSource {
    private struct Objects {
        var services: [DNSRecordIndex.ServiceKey: CoreV1.Service] = [:]
        var slices: [DNSRecordIndex.ServiceKey: [String: DiscoveryV1.EndpointSlice]] = [:]
    }

    private let objects = Mutex(Objects())
    private let publisher: DNSIndexPublisher

    /// An empty source; synced (a name it does not know is NXDOMAIN) unless `synced` is false.
    public init(namespaces: Set<String> = ["default", "kube-system"], synced: Bool = true) {
        var index = DNSRecordIndex(hasSynced: synced, serial: 1)
        index.namespaces = namespaces
        publisher = DNSIndexPublisher(index)
    }

    public var currentIndex: DNSRecordIndex { publisher.current }

    public func indexUpdates() -> AsyncStream<DNSRecordIndex> { publisher.subscribe() }

    /// Adds or replaces a Service.
    public func apply(_ service: CoreV1.Service) {
        let key = DNSRecordIndex.key(name: service.metadata.name ?? "", namespace: service.metadata.namespace ?? "default")
        objects.withLock { $0.services[key] = service }
        refresh(key)
    }

    /// Adds or replaces an EndpointSlice (linked to its Service by `kubernetes.io/service-name`).
    public func apply(_ slice: DiscoveryV1.EndpointSlice) {
        guard let key = Self.serviceKey(of: slice) else { return }
        objects.withLock { $0.slices[key, default: [:]][slice.metadata.name ?? ""] = slice }
        refresh(key)
    }

    /// Removes a Service.
    public func removeService(name: String, namespace: String) {
        let key = DNSRecordIndex.key(name: name, namespace: namespace)
        _ = objects.withLock { $0.services.removeValue(forKey: key) }
        refresh(key)
    }

    /// Removes an EndpointSlice.
    public func remove(_ slice: DiscoveryV1.EndpointSlice) {
        guard let key = Self.serviceKey(of: slice) else { return }
        _ = objects.withLock { $0.slices[key]?.removeValue(forKey: slice.metadata.name ?? "") }
        refresh(key)
    }

    /// Adds a namespace.
    public func addNamespace(_ name: String) {
        publisher.update { $0.namespaces.insert(name) }
    }

    /// Removes a namespace.
    public func removeNamespace(_ name: String) {
        publisher.update { $0.namespaces.remove(name) }
    }

    /// Sets whether the source counts as synced.
    public func setSynced(_ synced: Bool) {
        publisher.update { $0.hasSynced = synced }
    }

    private func refresh(_ key: DNSRecordIndex.ServiceKey) {
        let record = objects.withLock { objects in
            objects.services[key].flatMap { DNSServiceRecord(service: $0, slices: Array((objects.slices[key] ?? [:]).values)) }
        }
        publisher.update { index in
            index.setService(record, for: key)
            index.serial &+= 1
        }
    }

    static func serviceKey(of slice: DiscoveryV1.EndpointSlice) -> DNSRecordIndex.ServiceKey? {
        guard let service = slice.metadata.labels?[DNSServiceRecord.serviceNameLabel] else { return nil }
        return DNSRecordIndex.key(name: service, namespace: slice.metadata.namespace ?? "default")
    }
}
