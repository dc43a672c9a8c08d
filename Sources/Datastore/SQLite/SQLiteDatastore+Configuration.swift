extension SQLiteDatastore {
    /// How to open a ``SQLiteDatastore``.
    public struct Configuration: Sendable, Hashable {
        /// The database file. `<path>-wal`, `<path>-shm` and `<path>.lock` live next to it.
        public var path: String
        /// Every key must begin with this prefix.
        public var keyPrefix: String
        /// When superseded history is discarded automatically.
        public var compaction: CompactionPolicy
        /// How many idle read connections to keep for reuse.
        public var readConnections: Int
        /// How long a statement waits on an SQLite lock before failing.
        public var busyTimeout: Duration
        /// How often the background task looks for quiet moments to checkpoint the WAL and return
        /// free pages to the file system.
        public var maintenanceInterval: Duration
        /// The WAL is truncated back to at most this many bytes after each checkpoint.
        public var journalSizeLimit: Int
        /// Run `PRAGMA quick_check` over an existing file before using it.
        public var verifyOnOpen: Bool
        /// WAL frames (pages) not yet copied into the database that start a background checkpoint
        /// pass; at twice as many the writer checkpoints itself so the WAL starts over (about
        /// 4 MiB of WAL with the default and 4 KiB pages).
        public var walCheckpointPages: Int

        /// Creates a configuration; only `path` is required.
        public init(
            path: String,
            keyPrefix: String = "/registry/",
            compaction: CompactionPolicy = .default,
            readConnections: Int = 4,
            busyTimeout: Duration = .seconds(5),
            maintenanceInterval: Duration = .seconds(1),
            journalSizeLimit: Int = 64 << 20,
            verifyOnOpen: Bool = true,
            walCheckpointPages: Int = 500
        ) {
            self.path = path
            self.keyPrefix = keyPrefix
            self.compaction = compaction
            self.readConnections = readConnections
            self.busyTimeout = busyTimeout
            self.maintenanceInterval = maintenanceInterval
            self.journalSizeLimit = journalSizeLimit
            self.verifyOnOpen = verifyOnOpen
            self.walCheckpointPages = walCheckpointPages
        }
    }

    /// Counters describing what the store has done since it opened.
    public struct Statistics: Sendable, Hashable {
        /// Write transactions committed for client writes (one per group commit).
        public var writeTransactions: Int
        /// Client writes committed.
        public var writes: Int
        /// Rows removed by compaction.
        public var compactedRows: Int
        /// WAL checkpoints run by the maintenance task.
        public var checkpoints: Int
        /// Background checkpoint passes (the WAL copied into the database while writes go on).
        public var backgroundCheckpoints: Int
        /// Checkpoints the writer ran between batches because the WAL reached its restart length.
        public var restartCheckpoints: Int
    }
}
