import Datastore
import KubeAPI
import Logging
import NIOCore
import Synchronization

/// One event a cache watcher receives.
public enum CacheWatchEvent: Sendable {
    /// An object started to match (created, or changed into the selection).
    case added(CachedObject)
    /// A matching object changed.
    case modified(CachedObject)
    /// A matching object was deleted (or changed out of the selection).
    case deleted(CachedObject)
    /// Everything up to `revision` was delivered; `initialEventsEnd` marks the end of the
    /// initial state of a `sendInitialEvents` watch.
    case bookmark(revision: Int64, initialEventsEnd: Bool)
    /// The watch cannot continue (410 when its history is gone); the stream ends after it.
    case error(StatusError)
}

/// The in-memory view of every served resource, fed by ONE datastore watch on the whole
/// registry prefix: current objects with their encoded bytes, a window of recent events per
/// resource, and the watchers. Lists, consistent gets and watches are served from it.
///
/// One global watch (rather than one per resource) means the cache always knows the newest
/// revision it has seen of the whole store, so "consistent" reads only wait until that
/// reaches the store's current revision.
public final class WatchCache: Sendable {
    /// How many recent events each resource keeps for watches that resume from a revision.
    public let windowSize: Int
    let datastore: any Datastore
    let logger: Logger
    let state: Mutex<State>
    let feeder = Mutex<Task<Void, Never>?>(nil)

    /// A change as the cache records it.
    struct Record: Sendable {
        enum Kind: Sendable { case added, modified, deleted }
        var kind: Kind
        /// The new state (for a deletion: the last state, stamped with the deletion's revision).
        var object: CachedObject
        var previous: CachedObject?
        var revision: Int64
    }

    struct Watcher: Sendable {
        var filter: ListFilter
        var after: Int64
        /// The encoding of the lines the sink gets (`nil`: events only).
        var encoding: WatchEncoding?
        var sink: any CacheWatchSink

        /// Hands `event` to the sink, with its shared line when the sink takes lines.
        func deliver(_ event: CacheWatchEvent, lines: inout SharedLines) -> Bool {
            sink.receive(event, line: encoding.flatMap { lines.line(for: event, encoding: $0) })
        }
    }

    struct Resource: Sendable {
        let fields: SelectableFields
        var objects: [String: CachedObject] = [:]
        var sortedKeys: [String] = []
        var events: EventWindow<Record>
        /// Every event with a revision above this is in `events`.
        var windowStart: Int64
        var watchers: [Int: Watcher] = [:]
        /// Set while the resource's initial list is loading: events are parked here.
        var pending: [WatchEvent]? = nil
    }

    struct State: Sendable {
        var revision: Int64 = 0
        var started = false
        /// Whether the cache is loaded and following the datastore (false while it reloads
        /// after losing its watch, and after ``stop()``).
        var following = false
        var resources: [String: Resource] = [:]
        var waiters: [Int: (revision: Int64, continuation: CheckedContinuation<Bool, Never>)] = [:]
        var nextID = 0
        /// Objects writers already decoded and encoded, by revision, so the dispatcher need
        /// not parse their bytes again.
        var written: [Int64: CachedObject] = [:]
    }

    /// Creates an empty cache over `datastore`; call ``start()`` to load and follow it.
    public init(datastore: any Datastore, windowSize: Int = 4096, logger: Logger = Logger(label: "apiserver.watchcache")) {
        self.datastore = datastore
        self.windowSize = max(16, windowSize)
        self.logger = logger
        self.state = Mutex(State())
    }

    deinit {
        feeder.withLock { $0?.cancel() }
    }

    // MARK: - Resources

    /// Registers a resource (keys under `prefix`). Registering before ``start()`` loads it
    /// with the initial list; registering later (custom resources) loads its current objects
    /// and then follows its events. Registering a prefix twice does nothing.
    public func register(prefix: String, fields: SelectableFields) async throws {
        let loadAt: Int64? = state.withLock { state in
            guard state.resources[prefix] == nil else { return nil }
            var resource = Resource(fields: fields, events: EventWindow(capacity: windowSize), windowStart: state.revision)
            if state.started {
                resource.pending = []
                state.resources[prefix] = resource
                return state.revision
            }
            state.resources[prefix] = resource
            return nil
        }
        guard let revision = loadAt else { return }
        let items: [KeyValue]
        do {
            items = try await listAll(prefix: prefix, revision: revision == 0 ? nil : revision)
        } catch {
            state.withLock { _ = $0.resources.removeValue(forKey: prefix) }
            throw error
        }
        let refused = state.withLock { state -> [any CacheWatchSink] in
            var refused: [any CacheWatchSink] = []
            guard var resource = state.resources[prefix] else { return refused }
            for item in items {
                if let object = try? CachedObject(key: item.key, stored: item.value, revision: item.modRevision, fields: resource.fields) {
                    resource.objects[item.key] = object
                }
            }
            resource.sortedKeys = resource.objects.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let parked = resource.pending ?? []
            resource.pending = nil
            resource.windowStart = revision
            for event in parked where event.revision > revision {
                Self.apply(event, to: &resource, refused: &refused)
            }
            state.resources[prefix] = resource
            return refused
        }
        for sink in refused { sink.finish() }
    }

    /// Whether every registered resource is loaded and the cache follows the datastore's
    /// changes (what `/readyz`'s `informer-sync` check reports).
    public var isSynced: Bool {
        state.withLock { state in
            state.following && state.resources.values.allSatisfy { $0.pending == nil }
        }
    }

    // MARK: - Feeding

    /// Loads every registered resource and starts following the datastore. Returns once the
    /// initial state is loaded.
    public func start() async throws {
        let revision = try await load()
        let task = Task { [weak self] in
            var from = revision
            while !Task.isCancelled {
                guard let self else { return }
                do {
                    try await self.follow(from: from)
                    return
                } catch DatastoreError.closed {
                    self.state.withLock { $0.following = false }
                    return
                } catch is CancellationError {
                    return
                } catch {
                    self.state.withLock { $0.following = false }
                    self.logger.warning("watch cache lost the datastore watch, reloading", metadata: ["error": "\(error)"])
                    do {
                        from = try await self.load(reset: true)
                    } catch {
                        self.logger.error("watch cache reload failed", metadata: ["error": "\(error)"])
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
        }
        feeder.withLock { $0 = task }
    }

    /// Stops following the datastore and ends every watch.
    public func stop() {
        feeder.withLock { $0?.cancel() }
        let sinks = state.withLock { state in
            state.following = false
            var all: [any CacheWatchSink] = []
            for (prefix, resource) in state.resources {
                all.append(contentsOf: resource.watchers.values.map(\.sink))
                state.resources[prefix]?.watchers = [:]
            }
            return all
        }
        for sink in sinks { sink.finish() }
    }

    func listAll(prefix: String, revision: Int64?) async throws -> [KeyValue] {
        var items: [KeyValue] = []
        var token: String? = nil
        var at = revision
        repeat {
            let page = try await datastore.list(prefix: prefix, revision: at, limit: 10_000, continueToken: token)
            items.append(contentsOf: page.items)
            token = page.continueToken
            at = page.revision
        } while token != nil
        return items
    }

    /// Lists the whole registry and replaces every resource's state. Returns the revision read.
    func load(reset: Bool = false) async throws -> Int64 {
        let root = datastore.keyPrefix
        var items: [KeyValue] = []
        var token: String? = nil
        var revision: Int64? = nil
        repeat {
            let page = try await datastore.list(prefix: root, revision: revision, limit: 10_000, continueToken: token)
            items.append(contentsOf: page.items)
            token = page.continueToken
            revision = page.revision
        } while token != nil
        let at = revision ?? 0
        let ended: [any CacheWatchSink] = state.withLock { state in
            var ended: [any CacheWatchSink] = []
            for prefix in state.resources.keys {
                guard var resource = state.resources[prefix] else { continue }
                if reset {
                    for watcher in resource.watchers.values {
                        _ = watcher.sink.receive(.error(.expired("too old resource version: \(watcher.after) (\(at))")), line: nil)
                        ended.append(watcher.sink)
                    }
                    resource.watchers = [:]
                }
                resource.objects = [:]
                resource.events.removeAll()
                resource.windowStart = at
                resource.pending = nil
                state.resources[prefix] = resource
            }
            for item in items {
                guard let prefix = Self.resourcePrefix(of: item.key, root: root, in: state.resources) else { continue }
                let fields = state.resources[prefix]!.fields
                if let object = try? CachedObject(key: item.key, stored: item.value, revision: item.modRevision, fields: fields) {
                    state.resources[prefix]!.objects[item.key] = object
                }
            }
            for prefix in state.resources.keys {
                state.resources[prefix]!.sortedKeys = state.resources[prefix]!.objects.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            }
            state.revision = at
            state.written = [:]
            state.started = true
            state.following = true
            return ended
        }
        for sink in ended { sink.finish() }
        resumeWaiters()
        return at
    }

    func follow(from revision: Int64) async throws {
        let stream = try await datastore.watch(prefix: datastore.keyPrefix, fromRevision: revision)
        for try await event in stream {
            dispatch(event)
        }
        if !Task.isCancelled { throw DatastoreError.closed }
    }

    /// Applies one datastore event and advances the cache's revision.
    func dispatch(_ event: WatchEvent) {
        let root = datastore.keyPrefix
        let refused = state.withLock { state -> [any CacheWatchSink] in
            var refused: [any CacheWatchSink] = []
            let known = state.written.isEmpty ? nil : state.written.removeValue(forKey: event.revision)
            if let prefix = Self.resourcePrefix(of: event.key, root: root, in: state.resources) {
                if state.resources[prefix]!.pending != nil {
                    state.resources[prefix]!.pending!.append(event)
                } else {
                    Self.apply(event, to: &state.resources[prefix]!, known: known?.key == event.key ? known : nil, refused: &refused)
                }
            }
            state.revision = max(state.revision, event.revision)
            if state.written.count > 1024 {
                let applied = state.revision
                state.written = state.written.filter { $0.key > applied }
            }
            return refused
        }
        for sink in refused { sink.finish() }
        resumeWaiters()
    }

    /// The registered prefix a key belongs to: `/root/a/` or `/root/a/b/`.
    static func resourcePrefix(of key: String, root: String, in resources: [String: Resource]) -> String? {
        guard key.hasPrefix(root) else { return nil }
        let rest = key.utf8.dropFirst(root.utf8.count)
        guard let firstSlash = rest.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let one = String(key[..<key.utf8.index(after: firstSlash)])
        if resources[one] != nil { return one }
        let afterFirst = rest[rest.index(after: firstSlash)...]
        guard let secondSlash = afterFirst.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let two = String(key[..<key.utf8.index(after: secondSlash)])
        return resources[two] != nil ? two : nil
    }

    /// Applies a datastore event to one resource and fans it out to its watchers: each event
    /// line is encoded once per (event type, encoding) and shared. Watchers whose sink refuses
    /// the event are dropped and added to `refused` (to be finished once the lock is released).
    static func apply(_ event: WatchEvent, to resource: inout Resource, known: CachedObject? = nil, refused: inout [any CacheWatchSink]) {
        let fields = resource.fields
        let record: Record
        switch event.kind {
        case .created, .updated:
            guard let current = event.current,
                  let object = known ?? (try? CachedObject(key: event.key, stored: current.value, revision: event.revision, fields: fields))
            else { return }
            let previous = resource.objects[event.key]
            resource.objects[event.key] = object
            if previous == nil { insertSorted(event.key, into: &resource.sortedKeys) }
            record = Record(kind: previous == nil ? .added : .modified, object: object, previous: previous, revision: event.revision)
        case .deleted:
            guard let previous = resource.objects.removeValue(forKey: event.key) else { return }
            removeSorted(event.key, from: &resource.sortedKeys)
            record = Record(kind: .deleted, object: previous.restamped(event.revision, fields: fields), previous: previous, revision: event.revision)
        }
        if let dropped = resource.events.append(record) {
            resource.windowStart = dropped.revision
        }
        var lines = SharedLines()
        var dropped: [Int] = []
        for (id, watcher) in resource.watchers where record.revision > watcher.after {
            if let output = translate(record, for: watcher.filter), !watcher.deliver(output, lines: &lines) {
                dropped.append(id)
            }
        }
        for id in dropped {
            if let watcher = resource.watchers.removeValue(forKey: id) { refused.append(watcher.sink) }
        }
    }

    /// The event a watcher with `filter` sees for `record`, if any.
    static func translate(_ record: Record, for filter: ListFilter) -> CacheWatchEvent? {
        switch record.kind {
        case .added:
            return filter.matches(record.object) ? .added(record.object) : nil
        case .deleted:
            return filter.matches(record.previous ?? record.object) ? .deleted(record.object) : nil
        case .modified:
            let now = filter.matches(record.object)
            let before = record.previous.map(filter.matches) ?? false
            switch (before, now) {
            case (true, true): return .modified(record.object)
            case (false, true): return .added(record.object)
            case (true, false): return .deleted(record.object)
            case (false, false): return nil
            }
        }
    }

    static func insertSorted(_ key: String, into keys: inout [String]) {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid].utf8.lexicographicallyPrecedes(key.utf8) { low = mid + 1 } else { high = mid }
        }
        keys.insert(key, at: low)
    }

    static func removeSorted(_ key: String, from keys: inout [String]) {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid].utf8.lexicographicallyPrecedes(key.utf8) { low = mid + 1 } else { high = mid }
        }
        if low < keys.count, keys[low] == key { keys.remove(at: low) }
    }
}
