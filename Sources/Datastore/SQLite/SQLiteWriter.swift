import Dispatch
import Synchronization

/// The single writer of a ``SQLiteDatastore``: a serial dispatch queue (never the Swift
/// cooperative pool, since a commit waits for `fsync`) that owns the read-write connection.
///
/// Writes are grouped: every request that arrives while a commit is in flight is applied in the
/// next transaction, so many writers share one `fsync`. Each request is checked (exists, CAS
/// revision) inside that transaction against the latest state, including the earlier requests of
/// the same batch, and gets the next revision. After `COMMIT` returns, `onCommit` publishes the
/// events and only then are the callers resumed. Maintenance jobs (compaction steps, checkpoints)
/// run on the same queue, each in its own short transaction between write batches.
final class SQLiteWriter: @unchecked Sendable {
    /// A change the writer can make.
    enum Operation: Sendable {
        case create(key: String, value: [UInt8])
        case update(key: String, value: [UInt8], expectedRevision: Int64)
        case delete(key: String, expectedRevision: Int64?)
    }

    private struct PendingWrite {
        var operation: Operation
        var continuation: CheckedContinuation<WatchEvent, any Error>
    }

    private struct State {
        var writes: [PendingWrite] = []
        var jobs: [@Sendable (SQLiteConnection?) -> Void] = []
        var draining = false
        var closed = false
    }

    /// Counters, for tests and metrics.
    struct Counters: Sendable {
        var transactions = 0
        var writes = 0
    }

    /// The most client writes one transaction takes; the rest wait for the next one.
    static let maximumBatch = 2_048

    private let queue: DispatchQueue
    private let state = Mutex(State())
    private let counters = Mutex(Counters())
    private let onCommit: @Sendable ([WatchEvent], Int64) -> Void

    // Confined to `queue`.
    private var connection: SQLiteConnection?
    private var lastRevision: Int64

    /// Takes ownership of `connection`; `revision` is the store's current revision.
    init(connection: SQLiteConnection, revision: Int64, label: String, onCommit: @escaping @Sendable ([WatchEvent], Int64) -> Void) {
        self.queue = DispatchQueue(label: label, qos: .userInitiated)
        self.connection = connection
        self.lastRevision = revision
        self.onCommit = onCommit
    }

    /// The counters so far.
    var statistics: Counters {
        counters.withLock { $0 }
    }

    /// Queues a write and returns its event once the write is durable.
    ///
    /// - Throws: the request's own outcome (`alreadyExists`, `notFound`, `conflict`), `closed`, or an engine error.
    func write(_ operation: Operation) async throws -> WatchEvent {
        try await withCheckedThrowingContinuation { continuation in
            let schedule = state.withLock { state -> Bool? in
                if state.closed { return nil }
                state.writes.append(PendingWrite(operation: operation, continuation: continuation))
                if state.draining { return false }
                state.draining = true
                return true
            }
            switch schedule {
            case nil: continuation.resume(throwing: DatastoreError.closed)
            case true?: queue.async { self.drain() }
            case false?: break
            }
        }
    }

    /// Runs `body` on the writer queue, inside its own `BEGIN IMMEDIATE … COMMIT` when
    /// `transaction` is set, between write batches.
    func perform<T: Sendable>(transaction: Bool, _ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let job: @Sendable (SQLiteConnection?) -> Void = { connection in
                guard let connection else {
                    continuation.resume(throwing: DatastoreError.closed)
                    return
                }
                do {
                    if transaction { try connection.execute("BEGIN IMMEDIATE") }
                    let result = try body(connection)
                    if transaction { try connection.execute("COMMIT") }
                    continuation.resume(returning: result)
                } catch {
                    if connection.inTransaction { try? connection.execute("ROLLBACK") }
                    continuation.resume(throwing: error)
                }
            }
            let schedule = state.withLock { state -> Bool? in
                if state.closed { return nil }
                state.jobs.append(job)
                if state.draining { return false }
                state.draining = true
                return true
            }
            switch schedule {
            case nil: continuation.resume(throwing: DatastoreError.closed)
            case true?: queue.async { self.drain() }
            case false?: break
            }
        }
    }

    /// Refuses new work, lets queued work finish, then runs `final` with the connection (for a last
    /// checkpoint) and closes it.
    func close(final: @escaping @Sendable (SQLiteConnection) -> Void) async {
        state.withLock { $0.closed = true }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.drain()
                if let connection = self.connection {
                    final(connection)
                    connection.close()
                    self.connection = nil
                }
                continuation.resume()
            }
        }
    }

    // MARK: - Queue-confined

    private func drain() {
        while true {
            let (writes, jobs) = state.withLock { state -> ([PendingWrite], [@Sendable (SQLiteConnection?) -> Void]) in
                let writes: [PendingWrite]
                if state.writes.count <= Self.maximumBatch {
                    writes = state.writes
                    state.writes.removeAll(keepingCapacity: true)
                } else {
                    writes = Array(state.writes.prefix(Self.maximumBatch))
                    state.writes.removeFirst(Self.maximumBatch)
                }
                let jobs = state.jobs
                state.jobs.removeAll()
                if writes.isEmpty && jobs.isEmpty { state.draining = false }
                return (writes, jobs)
            }
            if writes.isEmpty && jobs.isEmpty { return }
            if !writes.isEmpty { commit(writes) }
            for job in jobs { job(connection) }
        }
    }

    private func commit(_ writes: [PendingWrite]) {
        guard let connection else {
            for write in writes { write.continuation.resume(throwing: DatastoreError.closed) }
            return
        }
        var outcomes: [Result<WatchEvent, DatastoreError>] = []
        outcomes.reserveCapacity(writes.count)
        var events: [WatchEvent] = []
        events.reserveCapacity(writes.count)
        var revision = lastRevision
        do {
            try connection.execute("BEGIN IMMEDIATE")
            for write in writes {
                let outcome = try apply(write.operation, revision: revision + 1, connection: connection)
                if case .success(let event) = outcome {
                    revision = event.revision
                    events.append(event)
                }
                outcomes.append(outcome)
            }
            if revision != lastRevision {
                let statement = try connection.statement("UPDATE meta SET current_rev = ?1 WHERE id = 1")
                try statement.bind(1, revision)
                try statement.run()
            }
            try connection.execute("COMMIT")
        } catch {
            if connection.inTransaction { try? connection.execute("ROLLBACK") }
            for write in writes { write.continuation.resume(throwing: error) }
            return
        }
        lastRevision = revision
        counters.withLock {
            $0.transactions += 1
            $0.writes += events.count
        }
        if !events.isEmpty { onCommit(events, revision) }
        for (write, outcome) in zip(writes, outcomes) {
            write.continuation.resume(with: outcome.mapError { $0 as any Error })
        }
    }

    /// The latest row of `key` (a tombstone when `deleted`), or `nil` if it has none.
    private func latestRow(_ key: String, connection: SQLiteConnection) throws -> (value: KeyValue, deleted: Bool)? {
        let statement = try connection.statement(
            "SELECT rev, create_rev, deleted, value FROM kv WHERE key = ?1 ORDER BY rev DESC LIMIT 1"
        )
        defer { statement.reset() }
        try statement.bind(1, key)
        guard try statement.step() else { return nil }
        let value = KeyValue(key: key, value: statement.blob(3), createRevision: statement.int64(1), modRevision: statement.int64(0))
        return (value, statement.int64(2) != 0)
    }

    /// The latest live value of `key`, or `nil` if it does not exist.
    private func latest(_ key: String, connection: SQLiteConnection) throws -> KeyValue? {
        guard let row = try latestRow(key, connection: connection), !row.deleted else { return nil }
        return row.value
    }

    private func insert(
        revision: Int64, key: String, createRevision: Int64, previousRevision: Int64, deleted: Bool, value: [UInt8],
        connection: SQLiteConnection
    ) throws {
        let statement = try connection.statement(
            "INSERT INTO kv (rev, key, create_rev, prev_rev, deleted, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        )
        try statement.bind(1, revision)
        try statement.bind(2, key)
        try statement.bind(3, createRevision)
        try statement.bind(4, previousRevision)
        try statement.bind(5, deleted)
        try statement.bind(6, blob: value)
        try statement.run()
    }

    /// Applies one request at `revision`: a logical refusal is a `.failure`, an engine error throws.
    private func apply(_ operation: Operation, revision: Int64, connection: SQLiteConnection) throws -> Result<WatchEvent, DatastoreError> {
        switch operation {
        case .create(let key, let value):
            let row = try latestRow(key, connection: connection)
            if let row, !row.deleted {
                return .failure(.alreadyExists(key: key))
            }
            let previousRevision = row?.value.modRevision ?? 0
            try insert(
                revision: revision, key: key, createRevision: revision, previousRevision: previousRevision,
                deleted: false, value: value, connection: connection
            )
            let current = KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
            return .success(WatchEvent(kind: .created, key: key, revision: revision, current: current, previous: nil))
        case .update(let key, let value, let expectedRevision):
            guard let existing = try latest(key, connection: connection) else {
                return .failure(.notFound(key: key))
            }
            guard existing.modRevision == expectedRevision else {
                return .failure(.conflict(key: key, expectedRevision: expectedRevision, current: existing))
            }
            try insert(
                revision: revision, key: key, createRevision: existing.createRevision, previousRevision: existing.modRevision,
                deleted: false, value: value, connection: connection
            )
            let current = KeyValue(key: key, value: value, createRevision: existing.createRevision, modRevision: revision)
            return .success(WatchEvent(kind: .updated, key: key, revision: revision, current: current, previous: existing))
        case .delete(let key, let expectedRevision):
            guard let existing = try latest(key, connection: connection) else {
                return .failure(.notFound(key: key))
            }
            if let expectedRevision, existing.modRevision != expectedRevision {
                return .failure(.conflict(key: key, expectedRevision: expectedRevision, current: existing))
            }
            try insert(
                revision: revision, key: key, createRevision: existing.createRevision, previousRevision: existing.modRevision,
                deleted: true, value: [], connection: connection
            )
            return .success(WatchEvent(kind: .deleted, key: key, revision: revision, current: nil, previous: existing))
        }
    }
}
