#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Logging
import Synchronization

/// The production ``Datastore``: an append-only revision log in one SQLite file.
///
/// - Writes go through one writer queue that group-commits: everything queued while a commit is
///   in flight lands in the next transaction, durable (`synchronous=FULL`) before any caller resumes.
/// - Reads use a pool of WAL readers, so they never wait for the writer and the writer never waits
///   for them.
/// - Watchers get history from the log, then live events pushed in-process right after each
///   commit: there is no polling.
/// - A background task compacts history per ``Configuration/compaction`` in small transactions,
///   checkpoints the WAL when the store is quiet and hands freed pages back to the file system.
/// - Under writes, a checkpointer thread with its own connection copies the WAL into the database
///   (``Configuration/walCheckpointPages``), off the writer's path.
/// - An exclusive `flock` on `<path>.lock` keeps a second process (or store) from opening the file.
public final class SQLiteDatastore: Datastore {
    /// Every key must begin with this prefix.
    public let keyPrefix: String
    /// The configuration the store was opened with.
    public let configuration: Configuration

    let logger: Logger
    let rules: KeyRules
    let writer: SQLiteWriter
    let checkpointer: SQLiteCheckpointer
    let readers: SQLiteReadPool
    let hub: WatchHub
    let revisions: RevisionBox
    let lifecycle = Mutex(Lifecycle())
    let scheduler: Mutex<CompactionScheduler>

    /// The in-memory mirror of the meta row, plus what the maintenance task needs.
    struct RevisionState: Sendable {
        var current: Int64
        var compacted: Int64
        var compactedRows = 0
        var checkpoints = 0
        /// When the last write committed.
        var lastCommit: ContinuousClock.Instant
        /// Bumped by every committed change (writes, compaction, vacuum); the WAL needs a
        /// checkpoint while it differs from `checkpointedChanges`.
        var changes = 0
        var checkpointedChanges = 0
        /// Whether rows up to `compacted` may still need deleting.
        var compactionPending = false
        /// `compactedRows` when free pages were last looked at.
        var vacuumCheckedRows = 0
    }

    /// Shares the revision state with the writer's commit callback.
    final class RevisionBox: Sendable {
        let state: Mutex<RevisionState>
        init(_ state: RevisionState) { self.state = Mutex(state) }
    }

    struct Lifecycle: Sendable {
        var closed = false
        var lock: SQLiteFileLock?
        var maintenance: Task<Void, Never>?
    }

    /// Opens the store at `configuration.path`, creating it if the file does not exist (or is empty).
    /// `logger` defaults to one that discards everything.
    ///
    /// Nothing is written before the file is known to be ours: a file that is not SQLite, or an
    /// SQLite file of another application, is left byte-for-byte unchanged.
    ///
    /// - Throws: `corrupt` for such a file, `readOnly` if the directory or file cannot be written,
    ///   `locked` if another store holds it open, `io` for other failures.
    public init(
        configuration: Configuration,
        logger: Logger = Logger(label: "k3s.datastore.sqlite", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        let path = configuration.path
        self.configuration = configuration
        self.keyPrefix = configuration.keyPrefix
        self.logger = logger
        self.rules = KeyRules(prefix: configuration.keyPrefix)

        // Refuse a foreign or damaged file before creating anything next to it, then look again
        // under the lock (another process may have created the store in between).
        try Self.checkWritable(path: path, exists: try SQLiteSchema.inspect(path: path) == .ours)
        let lock = try SQLiteFileLock(databasePath: path)
        let fileState = try SQLiteSchema.inspect(path: path)
        if fileState == .absent {
            // WAL or journal files without their database belong to nothing we can recover; SQLite
            // must not apply them to the new file.
            for suffix in ["-wal", "-shm", "-journal"] {
                if unlink(path + suffix) != 0, errno != ENOENT {
                    let code = errno
                    throw Self.fileError(code, path: path + suffix, action: "remove stale file")
                }
            }
        }

        let busyMilliseconds = Int(configuration.busyTimeout.components.seconds * 1000)
            + Int(configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000)
        let connection = try SQLiteConnection(path: path, readOnly: false, create: fileState == .absent)
        var current: Int64 = 0
        var compacted: Int64 = 0
        var compactionPending = false
        do {
            try connection.execute("PRAGMA busy_timeout = \(busyMilliseconds)")
            if fileState == .absent {
                // auto_vacuum must be chosen before the first table exists; the schema is written in
                // rollback-journal mode so the header (with our application id) is in the main file
                // before WAL mode is switched on.
                try connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
                try connection.execute("BEGIN IMMEDIATE")
                try connection.execute(SQLiteSchema.create)
                try connection.execute("COMMIT")
            } else {
                try SQLiteSchema.validate(connection, path: path, fullCheck: configuration.verifyOnOpen)
            }
            guard try connection.scalarText("PRAGMA journal_mode = WAL") == "wal" else {
                throw DatastoreError.io(detail: "\(path): cannot switch to WAL mode")
            }
            try connection.execute("""
                PRAGMA synchronous = FULL;
                PRAGMA journal_size_limit = \(configuration.journalSizeLimit);
                PRAGMA wal_autocheckpoint = 0;
                PRAGMA temp_store = MEMORY;
                PRAGMA cache_size = -16384;
                """)
            let meta = try connection.statement("SELECT current_rev, compact_rev, compact_done FROM meta WHERE id = 1")
            guard try meta.step() else {
                throw DatastoreError.corrupt(path: path, detail: "k3s datastore without its meta row")
            }
            current = meta.int64(0)
            compacted = meta.int64(1)
            compactionPending = meta.int64(2) < compacted
            meta.reset()
        } catch {
            connection.close()
            throw error
        }

        let checkpointer: SQLiteCheckpointer
        do {
            let checkpointConnection = try SQLiteConnection(path: path, readOnly: false, create: false)
            checkpointer = SQLiteCheckpointer(connection: checkpointConnection, label: "k3s.datastore.sqlite.checkpointer")
            try checkpointConnection.execute("""
                PRAGMA busy_timeout = 0;
                PRAGMA synchronous = FULL;
                PRAGMA wal_autocheckpoint = 0;
                """)
        } catch {
            connection.close()
            throw error
        }

        let now = ContinuousClock.now
        let revisions = RevisionBox(RevisionState(
            current: current, compacted: compacted, lastCommit: now, compactionPending: compactionPending
        ))
        var scheduler = CompactionScheduler(policy: configuration.compaction)
        // Revisions already in the file count as written now: after a restart they are kept for at
        // least the retention period, never less.
        scheduler.record(revision: current)
        self.scheduler = Mutex(scheduler)
        let hub = WatchHub(currentRevision: current)
        self.revisions = revisions
        self.hub = hub
        self.readers = SQLiteReadPool(
            path: path, maximumIdle: configuration.readConnections, busyTimeoutMilliseconds: busyMilliseconds
        )
        self.checkpointer = checkpointer
        self.writer = SQLiteWriter(
            connection: connection, revision: current, label: "k3s.datastore.sqlite.writer", checkpointer: checkpointer,
            walLimits: .init(pages: configuration.walCheckpointPages)
        ) { events, revision in
            let now = ContinuousClock.now
            revisions.state.withLock { state in
                state.current = revision
                state.lastCommit = now
                state.changes &+= 1
            }
            hub.publish(events)
        }
        lifecycle.withLock { $0.lock = lock }
        startMaintenance()
        logger.debug("opened sqlite datastore", metadata: ["path": "\(path)", "revision": "\(current)", "compacted": "\(compacted)"])
    }

    /// Fails with `readOnly` when the store's directory (or an existing file) cannot be written.
    private static func checkWritable(path: String, exists: Bool) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        if access(directory, W_OK) != 0 {
            let code = errno
            if code == ENOENT {
                throw DatastoreError.io(detail: "directory \(directory) does not exist")
            }
            throw DatastoreError.readOnly(path: path, detail: "directory \(directory) is not writable: \(SQLiteFileLock.describe(code))")
        }
        if exists, access(path, W_OK) != 0 {
            let code = errno
            throw DatastoreError.readOnly(path: path, detail: "file is not writable: \(SQLiteFileLock.describe(code))")
        }
    }

    /// Counters describing what the store has done since it opened.
    public var statistics: Statistics {
        let counters = writer.statistics
        return revisions.state.withLock { state in
            Statistics(
                writeTransactions: counters.transactions, writes: counters.writes,
                compactedRows: state.compactedRows, checkpoints: state.checkpoints,
                backgroundCheckpoints: checkpointer.passes, restartCheckpoints: counters.restartCheckpoints
            )
        }
    }

    /// Throws `closed` once `close()` has begun.
    func checkOpen() throws {
        if lifecycle.withLock({ $0.closed }) { throw DatastoreError.closed }
    }

    // MARK: - Writes

    /// Queues the create for the next group commit; returns once it is durable.
    public func create(key: String, value: [UInt8]) async throws -> Int64 {
        try rules.validateKey(key)
        try rules.validateValue(value, key: key)
        try checkOpen()
        return try await writer.write(.create(key: key, value: value)).revision
    }

    /// Queues the compare-and-swap for the next group commit; the revision check happens inside
    /// that transaction. Returns once the write is durable.
    public func update(key: String, value: [UInt8], expectedRevision: Int64) async throws -> Int64 {
        try rules.validateKey(key)
        try rules.validateValue(value, key: key)
        try checkOpen()
        return try await writer.write(.update(key: key, value: value, expectedRevision: expectedRevision)).revision
    }

    /// Appends a tombstone in the next group commit; returns once it is durable.
    public func delete(key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        try rules.validateKey(key)
        try checkOpen()
        let event = try await writer.write(.delete(key: key, expectedRevision: expectedRevision))
        guard let previous = event.previous else {
            throw DatastoreError.io(detail: "deletion of \(key) produced no previous value")
        }
        return (event.revision, previous)
    }

    // MARK: - Revisions

    /// The revision of the last durable commit.
    public var currentRevision: Int64 {
        get async throws {
            try checkOpen()
            return revisions.state.withLock { $0.current }
        }
    }

    /// The recorded compacted revision (rows below it may still be being deleted).
    public var compactedRevision: Int64 {
        get async throws {
            try checkOpen()
            return revisions.state.withLock { $0.compacted }
        }
    }

    // MARK: - Close

    /// Stops maintenance, ends watches with `closed`, lets queued writes finish, checkpoints and
    /// truncates the WAL, closes every connection and releases the lock.
    public func close() async throws {
        let task = lifecycle.withLock { state -> Task<Void, Never>?? in
            if state.closed { return .none }
            state.closed = true
            defer { state.maintenance = nil }
            return .some(state.maintenance)
        }
        guard let task else { return }
        task?.cancel()
        await task?.value
        hub.close()
        readers.close()
        await checkpointer.close()
        await writer.close { connection in
            _ = try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        }
        lifecycle.withLock { $0.lock = nil }
        logger.debug("closed sqlite datastore", metadata: ["path": "\(configuration.path)"])
    }
}
