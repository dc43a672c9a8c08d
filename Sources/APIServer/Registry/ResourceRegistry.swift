import Datastore
import KubeAPI
import Logging
import Synchronization

/// Every served resource's ``ResourceStore`` over one datastore and one ``WatchCache``.
///
/// Resources whose only verb is `create` (reviews, `bindings`) are virtual: they are listed
/// but get no store; the REST handler answers them through its overrides.
public final class ResourceRegistry: Sendable {
    /// The shared watch cache.
    public let cache: WatchCache
    let datastore: any Datastore
    let hooks: RegistryHooks
    let stores: Mutex<[GroupVersionResource: ResourceStore]>
    let descriptorTable: Mutex<[ResourceDescriptor]>

    /// Creates the registry of `descriptors` (the built-in resources by default); each
    /// resource's watch cache keeps at least `watchWindow` recent events.
    public init(
        datastore: any Datastore,
        descriptors: [ResourceDescriptor] = ResourceDescriptor.builtin,
        hooks: RegistryHooks = RegistryHooks(),
        watchWindow: Int = 4096,
        logger: Logger = Logger(label: "apiserver.registry")
    ) {
        self.datastore = datastore
        self.cache = WatchCache(datastore: datastore, windowSize: watchWindow, logger: logger)
        self.hooks = hooks
        self.stores = Mutex([:])
        self.descriptorTable = Mutex(descriptors)
    }

    /// Whether a descriptor is backed by storage (anything beyond a bare `create`).
    static func isStored(_ descriptor: ResourceDescriptor) -> Bool {
        descriptor.verbs.contains("get") || descriptor.verbs.contains("list")
    }

    /// Registers every resource with the cache and starts it.
    public func start() async throws {
        for descriptor in descriptorTable.withLock({ $0 }) where Self.isStored(descriptor) {
            try await install(descriptor)
        }
        try await cache.start()
    }

    /// Stops the cache (ends every watch).
    public func stop() { cache.stop() }

    /// Adds (or replaces) a resource at runtime (custom resources); loads its objects.
    @discardableResult
    public func add(_ descriptor: ResourceDescriptor) async throws -> ResourceStore {
        descriptorTable.withLock { table in
            table.removeAll { $0.groupVersionResource == descriptor.groupVersionResource }
            table.append(descriptor)
        }
        return try await install(descriptor)
    }

    /// Removes a resource (its stored objects stay).
    public func remove(_ resource: GroupVersionResource) {
        descriptorTable.withLock { $0.removeAll { $0.groupVersionResource == resource } }
        _ = stores.withLock { $0.removeValue(forKey: resource) }
    }

    @discardableResult
    func install(_ descriptor: ResourceDescriptor) async throws -> ResourceStore {
        let lookup: (@Sendable (String) async throws -> JSONValue?)? = descriptor.namespaced ? { @Sendable [weak self] name in
            try await self?.namespace(named: name)
        } : nil
        let store = ResourceStore(descriptor: descriptor, datastore: datastore, cache: cache, hooks: hooks, namespaceLookup: lookup)
        try await cache.register(prefix: store.keys.resourcePrefix, fields: store.fields)
        stores.withLock { $0[descriptor.groupVersionResource] = store }
        return store
    }

    /// Every served descriptor.
    public var descriptors: [ResourceDescriptor] { descriptorTable.withLock { $0 } }

    /// The descriptor of a group/version/resource.
    public func descriptor(group: String, version: String, resource: String) -> ResourceDescriptor? {
        descriptorTable.withLock { $0.first { $0.group == group && $0.version == version && $0.resource == resource } }
    }

    /// The store of a group/version/resource, if stored.
    public func store(group: String, version: String, resource: String) -> ResourceStore? {
        stores.withLock { $0[GroupVersionResource(group: group, version: version, resource: resource)] }
    }

    /// The namespace object called `name`, read from the datastore.
    func namespace(named name: String) async throws -> JSONValue? {
        guard let store = store(group: "", version: "v1", resource: "namespaces") else { return nil }
        // Read from the datastore, not the watch cache: the cache can still hold the namespace
        // as Active just after its deletion marked it Terminating, and a create must not slip in.
        return try await store.current(namespace: "", name: name)?.object
    }

    /// Creates the namespaces that do not exist yet (startup: `default`, `kube-system`, ...).
    public func ensureNamespaces(_ names: [String]) async throws {
        guard let store = store(group: "", version: "v1", resource: "namespaces") else { return }
        for name in names {
            try await store.createIfMissing(object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
        }
    }
}
