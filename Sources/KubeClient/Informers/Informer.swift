import KubeAPI
import Logging
import Synchronization

/// Keeps a local cache of one resource in step with the server and tells handlers about
/// every change: list, then watch from the list's resource version; a watch that ends is
/// resumed from the last version seen, and a 410 (version compacted away) triggers a new list,
/// whose differences are delivered as adds, updates and deletes.
///
/// ```swift
/// let pods = factory.informer(CoreV1.Pod.self)
/// pods.addHandler(.any { pod in queue.add(objectKey(pod.metadata)) })
/// ```
public final class Informer<Object: KubernetesObject>: Sendable {
    let client: ResourceClient<Object>
    /// The namespace watched (`nil`: all).
    public let namespace: String?
    /// Label and field selectors applied to the list and the watch.
    public let selectors: ListOptions
    let resyncPeriod: Duration
    let store = ObjectStore<Object>()
    let handlers = Mutex<(list: [(id: Int, handler: InformerHandler<Object>)], nextID: Int)>(([], 0))
    let synced = Latch()
    let logger: Logger

    /// Creates an informer; nothing happens until ``run()``.
    public init(client: ResourceClient<Object>, namespace: String? = nil, selectors: ListOptions = .init(), resyncPeriod: Duration = .zero, logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.selectors = ListOptions(labelSelector: selectors.labelSelector, fieldSelector: selectors.fieldSelector)
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    /// Reads the cache.
    public var lister: Lister<Object> { Lister(store: store) }

    /// Adds a secondary index: `keys` gives the index values of an object (query them with
    /// ``Lister/byIndex(_:_:)``).
    public func addIndex(_ name: String, _ keys: @escaping @Sendable (Object) -> [String]) {
        store.addIndex(name, keys)
    }

    /// Registers callbacks. A handler added after the first list is told about every cached
    /// object as an add. Handlers run on the informer's task and must not add or remove handlers.
    /// Returns what ``removeHandler(_:)`` takes; inside ``InformerHandlerScope/run(_:)`` the
    /// handler is removed when the scope ends.
    @discardableResult
    public func addHandler(_ handler: InformerHandler<Object>) -> InformerHandlerRegistration {
        let registration = handlers.withLock { handlers in
            handlers.nextID += 1
            handlers.list.append((handlers.nextID, handler))
            if synced.isOpen { for object in store.all() { handler.onAdd(object) } }
            return InformerHandlerRegistration(id: handlers.nextID)
        }
        InformerHandlerScope.current?.record { [weak self] in self?.removeHandler(registration) }
        return registration
    }

    /// Unregisters a handler (a component that stops while the shared informer runs on); once
    /// this returns the handler is not called again. Removing it twice does nothing.
    public func removeHandler(_ registration: InformerHandlerRegistration) {
        handlers.withLock { handlers in handlers.list.removeAll { $0.id == registration.id } }
    }

    /// How many handlers are registered.
    public var handlerCount: Int { handlers.withLock { $0.list.count } }

    /// Whether the first list has been delivered.
    public func hasSynced() -> Bool { synced.isOpen }

    /// Returns once the first list has been delivered (or the task is cancelled).
    public func waitForSync() async { await synced.wait() }

    /// Lists and watches until the calling task is cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            if resyncPeriod > .zero {
                group.addTask { await self.resyncLoop() }
            }
            group.addTask {
                var failures = 0
                while !Task.isCancelled {
                    do {
                        try await self.listAndWatch()
                        failures = 0
                    } catch is CancellationError {
                        return
                    } catch {
                        if Task.isCancelled { return }
                        failures += 1
                        // Refusals do not heal by waiting: say so where an operator looks.
                        let refused = (error as? StatusError).map { $0.code == 401 || $0.code == 403 } ?? false
                        self.logger.log(
                            level: refused ? .warning : .debug, "informer retrying",
                            metadata: ["kind": "\(Object.groupVersionKind.kind)", "error": "\(error)"])
                        let delay = Duration.milliseconds(min(10_000, 50 << min(failures, 8)))
                        try? await Task.sleep(for: delay)
                    }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// One list followed by watches until the version is too old (returns to re-list) or an
    /// error (throws).
    func listAndWatch() async throws {
        var options = selectors
        let list = try await client.listAll(namespace: namespace, options: options, pageSize: 10_000, forCache: true)
        let diff = store.replace(with: list.items)
        dispatch { handler in
            for object in diff.removed { handler.onDelete(object) }
            for (old, new) in diff.updated { handler.onUpdate(old, new) }
            for object in diff.added { handler.onAdd(object) }
        }
        synced.open()
        var resourceVersion = list.resourceVersion
        while !Task.isCancelled {
            options.resourceVersion = resourceVersion
            options.allowWatchBookmarks = true
            options.timeoutSeconds = 300 + Int.random(in: 0..<300)
            do {
                let events = try await client.watch(namespace: namespace, options: options, forCache: true)
                for try await event in events {
                    if let version = event.object.metadata.resourceVersion { resourceVersion = version }
                    apply(event)
                }
            } catch let error as StatusError where error.code == 410 {
                return
            }
        }
    }

    func apply(_ event: WatchEvent<Object>) {
        switch event.type {
        case .added, .modified:
            let object = event.object
            let old = store.upsert(object)
            dispatch { handler in
                if let old { handler.onUpdate(old, object) } else { handler.onAdd(object) }
            }
        case .deleted:
            let key = objectKey(event.object.metadata)
            let removed = store.remove(key: key) ?? event.object
            dispatch { $0.onDelete(removed) }
        case .bookmark:
            break
        }
    }

    func resyncLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: resyncPeriod)
            if Task.isCancelled { return }
            let objects = store.all()
            dispatch { handler in for object in objects { handler.onUpdate(object, object) } }
        }
    }

    private func dispatch(_ body: (InformerHandler<Object>) -> Void) {
        handlers.withLock { handlers in for entry in handlers.list { body(entry.handler) } }
    }
}
