import CSQLite
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
///
/// After a commit the writer gathers as many requests as that commit answered: callers that were
/// just resumed usually write again at once, and collecting them into one transaction costs one
/// sync where starting with the first arrival would cost two. It waits for half of them, applies
/// those inside the new transaction while the rest arrive, then waits for the rest; both waits
/// together last at most ``gatherWindow``. Arrivals wake it as soon as the count it waits for is
/// reached; nothing polls.
///
/// The WAL is copied into the database by ``SQLiteCheckpointer`` on its own thread. The writer
/// asks it for a pass once ``WALLimits/pages`` frames are waiting, and only when the WAL reaches
/// ``WALLimits/restartPages`` frames does the writer checkpoint itself, between two batches (all
/// frames are copied then, so the next commit rewinds the WAL to its start).
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
        /// While the writer gathers a batch: the queue length that wakes it (0: not gathering).
        var gatherTarget = 0
    }

    /// When the WAL is copied into the database.
    struct WALLimits: Sendable {
        /// Frames not yet copied that start a background checkpoint pass.
        var pages: Int32
        /// Frames at which the writer checkpoints itself so the WAL can start over.
        var restartPages: Int32

        init(pages: Int) {
            self.pages = Int32(clamping: max(1, pages))
            self.restartPages = Int32(clamping: max(1, pages) * 2)
        }
    }

    /// Receives the WAL length from SQLite's commit hook (on the writer queue).
    private final class WALLength {
        var frames: Int32 = 0
    }

    /// Counters, for tests and metrics.
    struct Counters: Sendable {
        var transactions = 0
        var writes = 0
        /// Checkpoints the writer ran itself because the WAL reached its restart length.
        var restartCheckpoints = 0
    }

    /// The most client writes one transaction takes; the rest wait for the next one.
    static let maximumBatch = 2_048

    /// How long the writer waits after a commit for its callers' next requests.
    static let gatherWindow = DispatchTimeInterval.microseconds(200)

    private let queue: DispatchQueue
    private let state = Mutex(State())
    private let counters = Mutex(Counters())
    private let arrivals = DispatchSemaphore(value: 0)
    private let onCommit: @Sendable ([WatchEvent], Int64) -> Void
    private let checkpointer: SQLiteCheckpointer
    private let walLimits: WALLimits
    private let walLength = WALLength()

    // Confined to `queue`.
    private var connection: SQLiteConnection?
    private var lastRevision: Int64
    private var statements: Statements?
    private var walFramesSeen: Int32 = 0

    /// The writer's prepared statements, made once.
    private struct Statements {
        var latest: SQLiteStatement
        var exists: SQLiteStatement
        var insert: SQLiteStatement
        var setRevision: SQLiteStatement

        init(_ connection: SQLiteConnection) throws {
            latest = try connection.statement(
                "SELECT rev, create_rev, deleted, value FROM kv WHERE key = ?1 ORDER BY rev DESC LIMIT 1"
            )
            // Answered from the (key, rev, deleted) index alone.
            exists = try connection.statement("SELECT rev, deleted FROM kv WHERE key = ?1 ORDER BY rev DESC LIMIT 1")
            insert = try connection.statement(
                "INSERT INTO kv (rev, key, create_rev, prev_rev, deleted, value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            )
            setRevision = try connection.statement("UPDATE meta SET current_rev = ?1 WHERE id = 1")
        }
    }

    /// Takes ownership of `connection` (SQLite's own automatic checkpoints are replaced by
    /// `checkpointer` and the writer's restart checkpoint); `revision` is the store's current revision.
    init(
        connection: SQLiteConnection, revision: Int64, label: String, checkpointer: SQLiteCheckpointer, walLimits: WALLimits,
        onCommit: @escaping @Sendable ([WatchEvent], Int64) -> Void
    ) {
        self.queue = DispatchQueue(label: label, qos: .userInitiated)
        self.connection = connection
        self.lastRevision = revision
        self.checkpointer = checkpointer
        self.walLimits = walLimits
        self.onCommit = onCommit
        sqlite3_wal_hook(connection.handle, { context, _, _, frames in
            if let context { Unmanaged<WALLength>.fromOpaque(context).takeUnretainedValue().frames = frames }
            return SQLITE_OK
        }, Unmanaged.passUnretained(walLength).toOpaque())
    }

    deinit {
        // The hook's context is `walLength`, which goes away with the writer.
        if let connection { sqlite3_wal_hook(connection.handle, nil, nil) }
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
            let action = state.withLock { state -> Arrival in
                if state.closed { return .closed }
                state.writes.append(PendingWrite(operation: operation, continuation: continuation))
                if state.gatherTarget > 0 && state.writes.count >= state.gatherTarget {
                    state.gatherTarget = 0
                    return .wake
                }
                if state.draining { return .queued }
                state.draining = true
                return .schedule
            }
            switch action {
            case .closed: continuation.resume(throwing: DatastoreError.closed)
            case .schedule: queue.async { self.drain() }
            case .wake: arrivals.signal()
            case .queued: break
            }
        }
    }

    /// What a new request has to do after queueing itself.
    private enum Arrival {
        case closed, schedule, wake, queued
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
        var answered = 0
        while true {
            let deadline = DispatchTime.now() + Self.gatherWindow
            if answered > 1 { gather((answered + 1) / 2, until: deadline) }
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
            if !writes.isEmpty { answered = commit(writes, topUpTo: answered, until: deadline) } else { answered = 0 }
            for job in jobs { job(connection) }
            manageWAL()
        }
    }

    /// Waits until `expected` requests are queued, or until `deadline`.
    private func gather(_ expected: Int, until deadline: DispatchTime) {
        let target = min(expected, Self.maximumBatch)
        let wait = state.withLock { state -> Bool in
            guard !state.closed, state.writes.count < target else { return false }
            state.gatherTarget = target
            return true
        }
        guard wait, arrivals.wait(timeout: deadline) == .timedOut else { return }
        let signalled = state.withLock { state -> Bool in
            if state.gatherTarget == 0 { return true }
            state.gatherTarget = 0
            return false
        }
        // A request reached the target just as the wait timed out: take its signal, so the next
        // gather does not wake early.
        if signalled { arrivals.wait() }
    }

    /// After a commit: asks for a background checkpoint pass when enough frames wait, or
    /// checkpoints here when the WAL has grown to its restart length.
    private func manageWAL() {
        guard let connection else { return }
        let frames = walLength.frames
        if frames < walFramesSeen { checkpointer.walRestarted() }
        walFramesSeen = frames
        if frames >= walLimits.restartPages {
            var walFrames: Int32 = 0
            var copied: Int32 = 0
            // Busy when a background pass holds the checkpoint lock: the next commit tries again.
            if sqlite3_wal_checkpoint_v2(connection.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &walFrames, &copied) == SQLITE_OK {
                counters.withLock { $0.restartCheckpoints += 1 }
            }
        } else {
            // A pass that finished after the WAL started over counted frames of the old WAL.
            let backfilled = checkpointer.backfilledFrames
            if (backfilled <= frames ? frames - backfilled : frames) >= walLimits.pages { checkpointer.request() }
        }
    }

    /// Commits `first`, topped up inside the same transaction with requests that arrive before
    /// `deadline` until it holds `target`; returns how many requests it answered.
    private func commit(_ first: [PendingWrite], topUpTo target: Int, until deadline: DispatchTime) -> Int {
        var writes = first
        guard let connection else {
            for write in writes { write.continuation.resume(throwing: DatastoreError.closed) }
            return writes.count
        }
        let target = min(target, Self.maximumBatch)
        var outcomes: [Result<WatchEvent, DatastoreError>] = []
        outcomes.reserveCapacity(writes.count)
        var events: [WatchEvent] = []
        events.reserveCapacity(writes.count)
        var revision = lastRevision
        do {
            if statements == nil { statements = try Statements(connection) }
            let statements = statements!
            try connection.execute("BEGIN IMMEDIATE")
            var toppedUp = false
            while true {
                for write in writes[outcomes.count...] {
                    let outcome = try apply(write.operation, revision: revision + 1, statements: statements)
                    if case .success(let event) = outcome {
                        revision = event.revision
                        events.append(event)
                    }
                    outcomes.append(outcome)
                }
                if toppedUp || writes.count >= target { break }
                toppedUp = true
                gather(target - writes.count, until: deadline)
                let room = target - writes.count
                let arrived = state.withLock { state -> [PendingWrite] in
                    let count = min(state.writes.count, room)
                    defer { state.writes.removeFirst(count) }
                    return Array(state.writes.prefix(count))
                }
                writes += arrived
            }
            if revision != lastRevision {
                try statements.setRevision.bind(1, revision)
                try statements.setRevision.run()
            }
            try connection.execute("COMMIT")
        } catch {
            if connection.inTransaction { try? connection.execute("ROLLBACK") }
            for write in writes { write.continuation.resume(throwing: error) }
            return writes.count
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
        return writes.count
    }

    /// The latest live value of `key`, or `nil` if it has none or its latest row is a tombstone.
    private func latest(_ key: String, statements: Statements) throws -> KeyValue? {
        let statement = statements.latest
        defer { statement.reset() }
        try statement.bind(1, key)
        guard try statement.step(), statement.int64(2) == 0 else { return nil }
        return KeyValue(key: key, value: statement.blob(3), createRevision: statement.int64(1), modRevision: statement.int64(0))
    }

    /// The revision of the latest row of `key` and whether it is a tombstone, read from the index
    /// alone; `nil` if the key has no row.
    private func latestRevision(_ key: String, statements: Statements) throws -> (revision: Int64, deleted: Bool)? {
        let statement = statements.exists
        defer { statement.reset() }
        try statement.bind(1, key)
        guard try statement.step() else { return nil }
        return (statement.int64(0), statement.int64(1) != 0)
    }

    private func insert(
        revision: Int64, key: String, createRevision: Int64, previousRevision: Int64, deleted: Bool, value: [UInt8],
        statements: Statements
    ) throws {
        let statement = statements.insert
        try statement.bind(1, revision)
        try statement.bind(2, key)
        try statement.bind(3, createRevision)
        try statement.bind(4, previousRevision)
        try statement.bind(5, deleted)
        try statement.bind(6, blob: value)
        try statement.run()
    }

    /// Applies one request at `revision`: a logical refusal is a `.failure`, an engine error throws.
    private func apply(_ operation: Operation, revision: Int64, statements: Statements) throws -> Result<WatchEvent, DatastoreError> {
        switch operation {
        case .create(let key, let value):
            let row = try latestRevision(key, statements: statements)
            if let row, !row.deleted {
                return .failure(.alreadyExists(key: key))
            }
            try insert(
                revision: revision, key: key, createRevision: revision, previousRevision: row?.revision ?? 0,
                deleted: false, value: value, statements: statements
            )
            let current = KeyValue(key: key, value: value, createRevision: revision, modRevision: revision)
            return .success(WatchEvent(kind: .created, key: key, revision: revision, current: current, previous: nil))
        case .update(let key, let value, let expectedRevision):
            guard let existing = try latest(key, statements: statements) else {
                return .failure(.notFound(key: key))
            }
            guard existing.modRevision == expectedRevision else {
                return .failure(.conflict(key: key, expectedRevision: expectedRevision, current: existing))
            }
            try insert(
                revision: revision, key: key, createRevision: existing.createRevision, previousRevision: existing.modRevision,
                deleted: false, value: value, statements: statements
            )
            let current = KeyValue(key: key, value: value, createRevision: existing.createRevision, modRevision: revision)
            return .success(WatchEvent(kind: .updated, key: key, revision: revision, current: current, previous: existing))
        case .delete(let key, let expectedRevision):
            guard let existing = try latest(key, statements: statements) else {
                return .failure(.notFound(key: key))
            }
            if let expectedRevision, existing.modRevision != expectedRevision {
                return .failure(.conflict(key: key, expectedRevision: expectedRevision, current: existing))
            }
            try insert(
                revision: revision, key: key, createRevision: existing.createRevision, previousRevision: existing.modRevision,
                deleted: true, value: [], statements: statements
            )
            return .success(WatchEvent(kind: .deleted, key: key, revision: revision, current: nil, previous: existing))
        }
    }
}
