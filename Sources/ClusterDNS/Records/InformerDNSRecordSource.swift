import KubeAPI
import KubeClient
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A ``DNSRecordSource`` over a node's own informers (Services, EndpointSlices, Namespaces from
/// an ``InformerFactory``): each node answers from its local cache, with no hop to another node.
///
/// Informer events only mark Services dirty; ``run()`` folds the dirty ones into a new index,
/// so a burst of changes costs one publication. The factory must be running (its owner calls
/// `factory.run()`, as for every other component sharing it).
public final class InformerDNSRecordSource: DNSRecordSource {
    private struct Dirty {
        var services: Set<DNSRecordIndex.ServiceKey> = []
        var namespaces = false
    }

    private let services: Informer<CoreV1.Service>
    private let slices: Informer<DiscoveryV1.EndpointSlice>
    private let namespaces: Informer<CoreV1.Namespace>
    private let publisher = DNSIndexPublisher(DNSRecordIndex())
    private let dirty = Mutex(Dirty())
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private let logger: Logger
    private let clock: @Sendable () -> UInt32

    /// The name of the EndpointSlice informer's index by Service key.
    static let sliceIndex = "cluster-dns-service"

    /// Requests the three informers from `informers` and registers its handlers; nothing is read
    /// until the factory runs and ``run()`` is called. `now` gives the SOA serial (Unix seconds).
    public init(informers: InformerFactory, logger: Logger, now: (@Sendable () -> UInt32)? = nil) {
        services = informers.informer(CoreV1.Service.self)
        slices = informers.informer(DiscoveryV1.EndpointSlice.self)
        namespaces = informers.informer(CoreV1.Namespace.self)
        self.logger = logger
        self.clock = now ?? { UInt32(truncatingIfNeeded: Duration.unixNow) }
        (wake, wakeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        slices.addIndex(Self.sliceIndex) { slice in InMemoryDNSRecordSource.serviceKey(of: slice).map { [$0] } ?? [] }
        services.addHandler(.any { [weak self] service in
            self?.markDirty(DNSRecordIndex.key(name: service.metadata.name ?? "", namespace: service.metadata.namespace ?? "default"))
        })
        slices.addHandler(.any { [weak self] slice in
            if let key = InMemoryDNSRecordSource.serviceKey(of: slice) { self?.markDirty(key) }
        })
        namespaces.addHandler(.any { [weak self] _ in
            guard let self else { return }
            dirty.withLock { $0.namespaces = true }
            wakeContinuation.yield()
        })
    }

    public var currentIndex: DNSRecordIndex { publisher.current }

    public func indexUpdates() -> AsyncStream<DNSRecordIndex> { publisher.subscribe() }

    /// Waits for the informers' first lists, publishes the full index (synced), then publishes
    /// every change until the task is cancelled. Call it once per source.
    public func run() async {
        await services.waitForSync()
        await slices.waitForSync()
        await namespaces.waitForSync()
        if Task.isCancelled { return }
        dirty.withLock { $0 = Dirty() }
        let keys = Set(services.lister.list().map { DNSRecordIndex.key(name: $0.metadata.name ?? "", namespace: $0.metadata.namespace ?? "default") })
        publish(keys, namespaces: true, synced: true)
        logger.debug("cluster DNS synced", metadata: ["services": "\(keys.count)"])
        for await _ in wake {
            let pending = dirty.withLock { dirty in
                defer { dirty = Dirty() }
                return dirty
            }
            if pending.services.isEmpty, !pending.namespaces { continue }
            publish(pending.services, namespaces: pending.namespaces, synced: true)
        }
    }

    private func markDirty(_ key: DNSRecordIndex.ServiceKey) {
        dirty.withLock { _ = $0.services.insert(key) }
        wakeContinuation.yield()
    }

    private func publish(_ keys: Set<DNSRecordIndex.ServiceKey>, namespaces refreshNamespaces: Bool, synced: Bool) {
        var records: [(DNSRecordIndex.ServiceKey, DNSServiceRecord?)] = []
        for key in keys {
            let (name, namespace) = Self.split(key)
            let record = services.lister.get(name, namespace: namespace).flatMap { service in
                DNSServiceRecord(service: service, slices: slices.lister.byIndex(Self.sliceIndex, key))
            }
            records.append((key, record))
        }
        let names = refreshNamespaces ? Set(namespaces.lister.list().compactMap(\.metadata.name)) : nil
        let serial = clock()
        publisher.update { index in
            for (key, record) in records { index.setService(record, for: key) }
            if let names { index.namespaces = names }
            index.hasSynced = synced
            index.serial = max(serial, index.serial &+ 1)
        }
    }

    /// `name.namespace` back into its parts (names and namespaces hold no dot).
    static func split(_ key: DNSRecordIndex.ServiceKey) -> (String, String) {
        guard let dot = key.firstIndex(of: ".") else { return (key, "") }
        return (String(key[..<dot]), String(key[key.index(after: dot)...]))
    }
}

extension Duration {
    /// Seconds since the Unix epoch, from the wall clock.
    static var unixNow: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
