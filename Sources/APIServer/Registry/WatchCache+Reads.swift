import Datastore
import KubeAPI
import Synchronization

extension WatchCache {
    /// The newest revision the cache has applied.
    public var revision: Int64 { state.withLock { $0.revision } }

    /// Waits until the cache has applied every write up to the datastore's current revision
    /// (at most `timeout`). Returns `false` on timeout.
    public func waitUntilFresh(timeout: Duration = .seconds(3)) async throws -> Bool {
        let target = try await datastore.currentRevision
        return await waitFor(revision: target, timeout: timeout)
    }

    /// Waits until the cache has applied `revision` (at most `timeout`); `false` on timeout.
    public func waitFor(revision target: Int64, timeout: Duration = .seconds(3)) async -> Bool {
        if state.withLock({ $0.revision >= target }) { return true }
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard let self else { return }
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: false)
        }
        let fresh = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.revision >= target { return true }
                state.waiters[id] = (target, continuation)
                return false
            }
            if ready { continuation.resume(returning: true) }
        }
        timer.cancel()
        return fresh
    }

    func resumeWaiters() {
        let ready = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard !state.waiters.isEmpty else { return [] }
            var ready: [CheckedContinuation<Bool, Never>] = []
            for (id, waiter) in state.waiters where waiter.revision <= state.revision {
                ready.append(waiter.continuation)
                state.waiters.removeValue(forKey: id)
            }
            return ready
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Hands the cache an object a writer just stored (stamped with the write's revision) so
    /// the event for that revision reuses it instead of decoding the stored bytes. Ignored
    /// when the event was already applied.
    func remember(_ object: CachedObject) {
        state.withLock { state in
            guard object.revision > state.revision, state.written.count < 65_536 else { return }
            state.written[object.revision] = object
        }
    }

    /// Whether `prefix` is registered and loaded.
    public func serves(prefix: String) -> Bool {
        state.withLock { state in state.resources[prefix].map { $0.pending == nil } ?? false }
    }

    /// The cached object at `key` (under the registered `prefix`), if any.
    public func object(prefix: String, key: String) -> CachedObject? {
        state.withLock { $0.resources[prefix]?.objects[key] }
    }

    /// The matching objects in key order and the revision they reflect.
    public func list(prefix: String, filter: ListFilter) -> (objects: [CachedObject], revision: Int64) {
        state.withLock { state in
            guard let resource = state.resources[prefix] else { return ([], state.revision) }
            var objects: [CachedObject] = []
            let keys: ArraySlice<String>
            if !filter.namespace.isEmpty {
                let start = prefix + filter.namespace + "/"
                keys = Self.range(of: start, in: resource.sortedKeys)
            } else {
                keys = resource.sortedKeys[...]
            }
            objects.reserveCapacity(keys.count)
            for key in keys {
                guard let object = resource.objects[key], filter.matches(object) else { continue }
                objects.append(object)
            }
            return (objects, state.revision)
        }
    }

    /// The slice of sorted keys that start with `start`.
    static func range(of start: String, in keys: [String]) -> ArraySlice<String> {
        var low = 0, high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid].utf8.lexicographicallyPrecedes(start.utf8) { low = mid + 1 } else { high = mid }
        }
        var end = low
        while end < keys.count, keys[end].hasPrefix(start) { end += 1 }
        return keys[low..<end]
    }

    /// Starts a watch on a registered resource, delivering to an `AsyncStream` (see
    /// ``watch(prefix:filter:from:initialEventsEnd:encoding:sink:)`` for what it receives).
    ///
    /// Returns the stream and an id for ``bookmark(prefix:watcher:)`` and ``cancelWatch(prefix:watcher:)``.
    public func watch(
        prefix: String, filter: ListFilter, from revision: Int64?, initialEventsEnd: Bool = false
    ) -> (events: AsyncStream<CacheWatchEvent>, id: Int) {
        let (stream, continuation) = AsyncStream<CacheWatchEvent>.makeStream()
        let id = watch(prefix: prefix, filter: filter, from: revision, initialEventsEnd: initialEventsEnd, encoding: nil, sink: CacheEventStream(continuation))
        continuation.onTermination = { [weak self] _ in
            self?.removeWatcher(prefix: prefix, id: id)
        }
        return (stream, id)
    }

    /// Starts a watch on a registered resource, delivering to `sink` (object events with their
    /// line in `encoding`, shared with the other watchers of that encoding).
    ///
    /// - `from == nil`: the current matching objects first (as `added`), then every change;
    ///   with `initialEventsEnd`, a bookmark marking the end of the initial objects follows them.
    /// - `from == r`: every change after revision `r`. A revision older than the kept window
    ///   delivers a single 410 `Expired` error event and finishes the sink.
    ///
    /// The initial events are delivered before this returns. Returns an id for
    /// ``bookmark(prefix:watcher:)`` and ``cancelWatch(prefix:watcher:)``.
    @discardableResult
    func watch(
        prefix: String, filter: ListFilter, from revision: Int64?, initialEventsEnd: Bool,
        encoding: WatchEncoding?, sink: any CacheWatchSink
    ) -> Int {
        let outcome = state.withLock { state -> (id: Int, expired: StatusError?, refused: Bool) in
            state.nextID += 1
            let id = state.nextID
            guard var resource = state.resources[prefix] else {
                return (id, StatusError.internalError("resource \(prefix) is not cached"), false)
            }
            var watcher = Watcher(filter: filter, after: state.revision, encoding: encoding, sink: sink)
            var accepted = true
            if let revision {
                if revision < resource.windowStart {
                    return (id, StatusError.tooOldResourceVersion(requested: revision, oldest: resource.windowStart + 1), false)
                }
                for record in resource.events where accepted && record.revision > revision {
                    var lines = SharedLines()
                    if let event = Self.translate(record, for: filter) { accepted = watcher.deliver(event, lines: &lines) }
                }
                watcher.after = max(revision, state.revision)
            } else {
                for key in resource.sortedKeys where accepted {
                    if let object = resource.objects[key], filter.matches(object) {
                        var lines = SharedLines()
                        accepted = watcher.deliver(.added(object), lines: &lines)
                    }
                }
                if initialEventsEnd && accepted {
                    accepted = sink.receive(.bookmark(revision: state.revision, initialEventsEnd: true), line: nil)
                }
            }
            guard accepted else { return (id, nil, true) }
            resource.watchers[id] = watcher
            state.resources[prefix] = resource
            return (id, nil, false)
        }
        if let expired = outcome.expired {
            _ = sink.receive(.error(expired), line: nil)
            sink.finish()
        } else if outcome.refused {
            sink.finish()
        }
        return outcome.id
    }

    /// Sends a bookmark carrying the cache's current revision to one watcher (in order with its events).
    public func bookmark(prefix: String, watcher id: Int) {
        let refused = state.withLock { state -> (any CacheWatchSink)? in
            guard let watcher = state.resources[prefix]?.watchers[id] else { return nil }
            if watcher.sink.receive(.bookmark(revision: state.revision, initialEventsEnd: false), line: nil) { return nil }
            state.resources[prefix]?.watchers[id] = nil
            return watcher.sink
        }
        refused?.finish()
    }

    /// Ends one watch.
    public func cancelWatch(prefix: String, watcher id: Int) {
        let watcher = state.withLock { $0.resources[prefix]?.watchers.removeValue(forKey: id) }
        watcher?.sink.finish()
    }

    func removeWatcher(prefix: String, id: Int) {
        _ = state.withLock { $0.resources[prefix]?.watchers.removeValue(forKey: id) }
    }

    /// The number of open watches (all resources).
    public var watcherCount: Int {
        state.withLock { $0.resources.values.reduce(0) { $0 + $1.watchers.count } }
    }
}
