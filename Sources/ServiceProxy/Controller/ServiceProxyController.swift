import KubeAPI
import KubeClient
import Logging
import NFTables
import Synchronization

/// The service proxy of a node: watches Services and EndpointSlices and keeps the node's nft
/// tables in step through a ``ServiceProxier``.
///
/// Changes are collected for ``debounce`` after the first of a burst and applied together as one
/// transaction; syncs run one at a time. The first sync, once both informers have listed,
/// rebuilds the tables from nothing; a failed sync is retried (rebuilding) after
/// ``retryDelay``.
public final class ServiceProxyController: Sendable {
    /// The rule engine.
    public let proxier: ServiceProxier
    /// How long changes are collected before a sync.
    public let debounce: Duration
    /// How long to wait before retrying a failed sync.
    public let retryDelay: Duration
    private let informers: InformerFactory
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    private struct State {
        var dirty: Set<ProxyService.ID> = []
        var lastSync: Duration?
        var syncs = 0
        var lastError: String?
    }

    /// The label naming an EndpointSlice's Service.
    public static let serviceNameLabel = "kubernetes.io/service-name"
    static let serviceIndex = "service"

    /// Creates a controller that reads through `informers` (shared with the rest of the process,
    /// or its own) and applies with `runner`.
    public init(
        configuration: ServiceProxyConfiguration, informers: InformerFactory, runner: any NFTablesRunner,
        debounce: Duration = .milliseconds(50), retryDelay: Duration = .seconds(1), logger: Logger
    ) {
        self.proxier = ServiceProxier(configuration: configuration, runner: runner, logger: logger)
        self.informers = informers
        self.debounce = debounce
        self.retryDelay = retryDelay
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// How long the last successful sync took (rendering and `nft`), or `nil` before the first.
    public var lastSyncDuration: Duration? { state.withLock { $0.lastSync } }
    /// How many syncs succeeded.
    public var syncCount: Int { state.withLock { $0.syncs } }
    /// The last sync's error, cleared by a successful one.
    public var lastError: String? { state.withLock { $0.lastError } }

    /// Watches and syncs until the task is cancelled. Call it once per controller.
    public func run() async {
        let services = informers.informer(CoreV1.Service.self)
        let slices = informers.informer(DiscoveryV1.EndpointSlice.self)
        slices.addIndex(Self.serviceIndex) { slice in
            guard let service = slice.metadata.labels?[Self.serviceNameLabel] else { return [] }
            return ["\(slice.metadata.namespace ?? "")/\(service)"]
        }
        let serviceHandler = services.addHandler(.any { [weak self] service in
            self?.changed(ProxyService.ID(namespace: service.metadata.namespace ?? "", name: service.metadata.name ?? ""))
        })
        let sliceHandler = slices.addHandler(.any { [weak self] slice in
            guard let name = slice.metadata.labels?[Self.serviceNameLabel] else { return }
            self?.changed(ProxyService.ID(namespace: slice.metadata.namespace ?? "", name: name))
        })
        defer {
            services.removeHandler(serviceHandler)
            slices.removeHandler(sliceHandler)
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.informers.run() }
            group.addTask {
                await services.waitForSync()
                await slices.waitForSync()
                await self.syncLoop(services: services.lister, slices: slices.lister)
            }
        }
    }

    private func changed(_ id: ProxyService.ID) {
        state.withLock { _ = $0.dirty.insert(id) }
        wake.yield()
    }

    private func syncLoop(services: Lister<CoreV1.Service>, slices: Lister<DiscoveryV1.EndpointSlice>) async {
        var first = true
        var wakeups = self.wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            if !first {
                guard await wakeups.next() != nil else { return }
                do { try await Task.sleep(for: debounce) } catch { return }
            }
            first = false
            let dirty = state.withLock { state in
                defer { state.dirty = [] }
                return state.dirty
            }
            for id in dirty {
                let service = services.get(id.name, namespace: id.namespace).flatMap(ProxyService.init)
                let endpoints = ProxyEndpoint.endpoints(from: slices.byIndex(Self.serviceIndex, id.description))
                await proxier.setService(id, service)
                await proxier.setEndpoints(id, endpoints)
            }
            guard await proxier.hasPendingChanges else { continue }
            let clock = ContinuousClock()
            let started = clock.now
            do {
                let report = try await proxier.sync()
                let took = clock.now - started
                state.withLock {
                    $0.lastSync = took
                    $0.syncs += 1
                    $0.lastError = nil
                }
                logger.debug("service proxy synced", metadata: ["services": "\(report.servicesRendered)", "took": "\(took)"])
            } catch {
                logger.warning("service proxy sync failed; retrying", metadata: ["error": "\(error)"])
                state.withLock { $0.lastError = "\(error)" }
                do { try await Task.sleep(for: retryDelay) } catch { return }
                wake.yield()
            }
        }
    }
}
