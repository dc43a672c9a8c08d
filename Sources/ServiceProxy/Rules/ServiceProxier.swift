import KubeAPI
import Logging
import NFTables

/// Keeps the kernel's proxy tables in step with the Services and endpoints it is given.
///
/// Callers record changes (``setService(_:_:)``, ``setEndpoints(_:_:)``) and call ``sync()``,
/// which applies them as one `nft -f` transaction for every family: the first sync (and the
/// first after a failed one) deletes and recreates the tables whole; later ones touch only the
/// chains, sets and map elements of the Services that changed. When two Services claim the same
/// address and port, the first by namespace and name wins.
public actor ServiceProxier {
    /// The configuration.
    public let configuration: ServiceProxyConfiguration
    private let runner: any NFTablesRunner
    private let logger: Logger
    private let renderers: [ServiceRuleRenderer]

    private var services: [ProxyService.ID: ProxyService] = [:]
    private var endpoints: [ProxyService.ID: [ProxyEndpoint]] = [:]
    private var dirty: Set<ProxyService.ID> = []
    private var needsFullSync = true
    private var tables: [FamilyTable]

    /// What one family's table holds now (as last applied).
    private struct FamilyTable {
        /// Each Service's chains, sets and elements.
        var fragments: [ProxyService.ID: NFTablesObjects] = [:]
        /// The Services that want each element.
        var claims: [NFTablesObjects.ElementKey: Set<ProxyService.ID>] = [:]
        /// The element values in the kernel.
        var applied: [NFTablesObjects.ElementKey: String] = [:]
    }

    /// What a sync did.
    public struct SyncReport: Sendable, Hashable {
        /// Whether the tables were rebuilt from nothing.
        public var full: Bool
        /// How many Services were rendered again.
        public var servicesRendered: Int
        /// The script's length in bytes (0 when there was nothing to do).
        public var scriptBytes: Int
    }

    /// Creates a proxier; nothing is applied until ``sync()``.
    public init(configuration: ServiceProxyConfiguration, runner: any NFTablesRunner, logger: Logger) {
        self.configuration = configuration
        self.runner = runner
        self.logger = logger
        self.renderers = configuration.families.map { ServiceRuleRenderer(configuration: configuration, family: $0) }
        self.tables = renderers.map { _ in FamilyTable() }
    }

    /// Records a Service (`nil`: it is gone, or the proxy has nothing to do for it).
    public func setService(_ id: ProxyService.ID, _ service: ProxyService?) {
        guard services[id] != service else { return }
        services[id] = service
        dirty.insert(id)
    }

    /// Records a Service's endpoints (from all its EndpointSlices).
    public func setEndpoints(_ id: ProxyService.ID, _ list: [ProxyEndpoint]) {
        guard (endpoints[id] ?? []) != list else { return }
        endpoints[id] = list.isEmpty ? nil : list
        dirty.insert(id)
    }

    /// Makes the next sync rebuild the tables from nothing.
    public func requestFullSync() {
        needsFullSync = true
    }

    /// Whether a sync has something to do.
    public var hasPendingChanges: Bool { needsFullSync || !dirty.isEmpty }

    /// Applies what changed since the last sync as one transaction.
    ///
    /// - Throws: ``NFTablesError`` when nft refuses it; the next sync then rebuilds everything.
    @discardableResult
    public func sync() async throws -> SyncReport {
        let full = needsFullSync
        let ids: [ProxyService.ID]
        if full {
            tables = renderers.map { _ in FamilyTable() }
            ids = Array(Set(services.keys).union(endpoints.keys)).sorted()
        } else {
            ids = dirty.sorted()
        }
        dirty = []
        var script = ""
        for (index, renderer) in renderers.enumerated() {
            var transaction = NFTablesTransaction(table: configuration.table(renderer.family))
            if full {
                transaction.recreateTable()
                let base = renderer.baseObjects
                transaction.changeChainsAndSets(from: NFTablesObjects(), to: base)
            }
            update(&tables[index], ids: ids, renderer: renderer, into: &transaction)
            script += transaction.script
        }
        needsFullSync = true
        if !script.isEmpty { try await runner.apply(script) }
        needsFullSync = false
        logger.debug("service proxy sync", metadata: ["full": "\(full)", "services": "\(ids.count)", "bytes": "\(script.utf8.count)"])
        return SyncReport(full: full, servicesRendered: ids.count, scriptBytes: script.utf8.count)
    }

    private func update(_ table: inout FamilyTable, ids: [ProxyService.ID], renderer: ServiceRuleRenderer, into transaction: inout NFTablesTransaction) {
        var touched: Set<NFTablesObjects.ElementKey> = []
        for id in ids {
            let new = services[id].map { renderer.objects(for: $0, endpoints: endpoints[id] ?? []) } ?? NFTablesObjects()
            let old = table.fragments[id] ?? NFTablesObjects()
            guard new != old else { continue }
            transaction.changeChainsAndSets(from: old, to: new)
            for key in old.elements.keys where new.elements[key] == nil {
                table.claims[key]?.remove(id)
                if table.claims[key]?.isEmpty == true { table.claims[key] = nil }
                touched.insert(key)
            }
            for (key, value) in new.elements where old.elements[key] != value {
                table.claims[key, default: []].insert(id)
                touched.insert(key)
            }
            table.fragments[id] = new.isEmpty ? nil : new
        }
        for key in touched {
            let winner = table.claims[key]?.min()
            let value = winner.flatMap { table.fragments[$0]?.elements[key] }
            transaction.changeElement(key, from: table.applied[key], to: value)
            table.applied[key] = value
        }
    }
}
