import Logging
import Synchronization

/// A ``Datastore`` that keeps everything in memory: full MVCC semantics (per-key version
/// history, reads and lists at past revisions, watch replay, compaction) without durability.
///
/// Meant for tests and for single-process clusters that need no persistence. All operations
/// run in short synchronous critical sections under one lock; watchers are fed through a
/// ``WatchHub``. Automatic compaction follows the given ``CompactionPolicy`` on a background
/// task that stops when the store closes.
public final class InMemoryDatastore: Datastore {
    /// Every key must begin with this prefix.
    public let keyPrefix: String

    let rules: KeyRules
    let policy: CompactionPolicy
    let logger: Logger
    let hub: WatchHub
    let state: Mutex<MemoryState>
    private let compactionTask = Mutex<Task<Void, Never>?>(nil)

    /// Creates an empty store (revision 0).
    ///
    /// - Parameters:
    ///   - keyPrefix: Every key must start with it.
    ///   - compaction: When history is discarded automatically.
    ///   - logger: Where compaction and watcher activity is logged.
    public convenience init(
        keyPrefix: String = "/registry/",
        compaction: CompactionPolicy = .default,
        logger: Logger = Logger(label: "datastore.memory")
    ) {
        self.init(keyPrefix: keyPrefix, compaction: compaction, logger: logger, now: { ContinuousClock.now })
    }

    /// Creates an empty store reading the time for compaction decisions from `now`.
    init(
        keyPrefix: String,
        compaction: CompactionPolicy,
        logger: Logger,
        now: @escaping @Sendable () -> ContinuousClock.Instant,
        watchBufferLimit: Int = WatchHub.defaultBufferLimit
    ) {
        self.keyPrefix = keyPrefix
        self.rules = KeyRules(prefix: keyPrefix)
        self.policy = compaction
        self.logger = logger
        self.hub = WatchHub(currentRevision: 0, bufferLimit: watchBufferLimit)
        self.state = Mutex(MemoryState(scheduler: CompactionScheduler(policy: compaction, now: now)))
        if compaction.isEnabled {
            let interval = compaction.interval
            let task = Task { [weak self] in
                while !Task.isCancelled {
                    do {
                        try await Task.sleep(for: interval)
                    } catch {
                        return
                    }
                    guard let self else { return }
                    await self.compactAutomatically()
                }
            }
            compactionTask.withLock { $0 = task }
        }
    }

    deinit {
        compactionTask.withLock { $0?.cancel() }
        hub.close()
    }

    // MARK: - Writes

    /// Stores a new key. See ``Datastore/create(key:value:)``.
    public func create(key: String, value: [UInt8]) async throws -> Int64 {
        try rules.validateKey(key)
        try rules.validateValue(value, key: key)
        return try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            let existing = state.history(for: key)
            if existing?.latestLive != nil {
                throw .alreadyExists(key: key)
            }
            let event = state.write(key: key, value: value, history: existing)
            hub.publish(event)
            return event.revision
        }
    }

    /// Replaces a key's value on a matching revision. See ``Datastore/update(key:value:expectedRevision:)``.
    public func update(key: String, value: [UInt8], expectedRevision: Int64) async throws -> Int64 {
        try rules.validateKey(key)
        try rules.validateValue(value, key: key)
        return try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            guard let existing = state.history(for: key), let current = existing.latestLive else {
                throw .notFound(key: key)
            }
            guard current.modRevision == expectedRevision else {
                throw .conflict(key: key, expectedRevision: expectedRevision, current: current)
            }
            let event = state.write(key: key, value: value, history: existing)
            hub.publish(event)
            return event.revision
        }
    }

    /// Deletes a key. See ``Datastore/delete(key:expectedRevision:)``.
    public func delete(key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try rules.validateKey(key)
        return try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            guard let existing = state.history(for: key), let current = existing.latestLive else {
                throw .notFound(key: key)
            }
            if let expectedRevision, current.modRevision != expectedRevision {
                throw .conflict(key: key, expectedRevision: expectedRevision, current: current)
            }
            let event = state.write(key: key, value: nil, history: existing)
            hub.publish(event)
            return (event.revision, current)
        }
    }

    // MARK: - Reads

    /// Reads a key, now or at a past revision. See ``Datastore/get(key:revision:)``.
    public func get(key: String, revision: Int64?) async throws -> KeyValue? {
        try rules.validateKey(key)
        return try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            let at = revision ?? state.revision
            try state.checkReadable(at)
            return state.history(for: key)?.keyValue(at: at)
        }
    }

    /// Lists keys under a prefix, now or at a past revision, in pages.
    /// See ``Datastore/list(prefix:revision:limit:continueToken:)``.
    ///
    /// With a continue token the token's revision is used and `revision` is ignored.
    public func list(prefix: String, revision: Int64?, limit: Int?, continueToken: String?) async throws -> ListResult {
        try rules.validateListPrefix(prefix)
        let token = try continueToken.map { token throws(DatastoreError) in try ContinueToken.decode(token, prefix: prefix) }
        let pageSize = (limit ?? 0) > 0 ? limit! : Int.max
        return try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            let at = token?.revision ?? revision ?? state.revision
            try state.checkReadable(at)
            return state.list(prefix: prefix, revision: at, limit: pageSize, afterKey: token?.lastKey)
        }
    }

    /// The number of keys under `prefix` now. See ``Datastore/count(prefix:)``.
    public func count(prefix: String) async throws -> Int {
        try rules.validateListPrefix(prefix)
        return try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            return state.count(prefix: prefix, storePrefix: keyPrefix)
        }
    }

    /// Streams changes under a prefix after a revision. See ``Datastore/watch(prefix:fromRevision:)``.
    public func watch(prefix: String, fromRevision revision: Int64) async throws -> WatchStream {
        try rules.validateListPrefix(prefix)
        let (registration, history) = try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            try state.checkReadable(revision)
            // Writers publish inside this lock, so the hub has seen exactly `state.revision`.
            let registration = try hub.register(prefix: prefix, fromRevision: revision)
            let history = state.history(prefix: prefix, after: revision, through: registration.replayThrough)
            return (registration, history)
        }
        return registration.start(history: history)
    }

    /// The latest committed revision.
    public var currentRevision: Int64 {
        get async throws {
            try state.withLock { state throws(DatastoreError) in
                try state.checkOpen()
                return state.revision
            }
        }
    }

    /// The oldest readable revision.
    public var compactedRevision: Int64 {
        get async throws {
            try state.withLock { state throws(DatastoreError) in
                try state.checkOpen()
                return state.compacted
            }
        }
    }

    // MARK: - Compaction and shutdown

    /// Discards history at or below `revision`. See ``Datastore/compact(upTo:)``.
    public func compact(upTo revision: Int64) async throws {
        try state.withLock { state throws(DatastoreError) in
            try state.checkOpen()
            if revision < state.compacted {
                throw .compacted(requested: revision, compactedRevision: state.compacted)
            }
            if revision > state.revision {
                throw .futureRevision(requested: revision, currentRevision: state.revision)
            }
            state.setCompacted(revision)
        }
        await removeCompactedHistory()
    }

    /// Stops the store: later calls fail with `closed`, watches end with `closed`.
    public func close() async throws {
        state.withLock { $0.closed = true }
        let task = compactionTask.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        hub.close()
    }

    /// One tick of automatic compaction.
    ///
    /// The compacted revision advances `batchSize` revisions at a time, each step only once the
    /// history below it is physically gone, so ``compactedRevision`` never runs far ahead of the
    /// memory actually released.
    func compactAutomatically() async {
        let target: Int64? = state.withLock { state in
            guard !state.closed else { return nil }
            state.scheduler.record(revision: state.revision)
            return state.scheduler.target(currentRevision: state.revision, compactedRevision: state.compacted)
        }
        guard let target else {
            await removeCompactedHistory()
            return
        }
        logger.debug("compacting history", metadata: ["revision": "\(target)"])
        let batchSize = max(1, policy.batchSize)
        while state.withLock({ state in
            guard !state.closed else { return false }
            if state.compacted < target, !state.hasPendingCompaction {
                state.setCompacted(min(target, state.compacted + Int64(batchSize)))
            }
            let pending = state.compactStep(batchSize: batchSize)
            return pending || state.compacted < target
        }) {
            await Task.yield()
        }
    }

    /// Drops compacted versions in batches, letting other callers in between batches.
    private func removeCompactedHistory() async {
        let batchSize = policy.batchSize
        while state.withLock({ $0.compactStep(batchSize: batchSize) }) {
            await Task.yield()
        }
    }
}
