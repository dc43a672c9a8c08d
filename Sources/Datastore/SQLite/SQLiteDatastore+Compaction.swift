extension SQLiteDatastore {
    /// What one compaction step did.
    struct CompactionStep: Sendable {
        /// Rows deleted.
        var removed: Int
        /// `true` when every row up to the compact revision has been processed.
        var finished: Bool
    }

    /// Records `revision` as the compacted revision, then deletes the superseded rows and
    /// tombstones at or below it in `batchSize` steps, each its own short write transaction.
    public func compact(upTo revision: Int64) async throws {
        try checkOpen()
        let started = try await writer.perform(transaction: true) { connection in
            try Self.recordCompactRevision(revision, connection: connection, explicit: true)
        }
        if started {
            revisions.state.withLock {
                $0.compacted = max($0.compacted, revision)
                $0.compactionPending = true
            }
        }
        try await runCompaction(batchSize: configuration.compaction.batchSize, cancellable: false)
    }

    /// Sets `meta.compact_rev` to `revision` (the physical deletion follows in steps). Returns
    /// `false` if it already was there. When `explicit`, an out-of-range revision is an error.
    static func recordCompactRevision(_ revision: Int64, connection: SQLiteConnection, explicit: Bool) throws -> Bool {
        let meta = try readMeta(connection)
        if revision < meta.compacted {
            if explicit { throw DatastoreError.compacted(requested: revision, compactedRevision: meta.compacted) }
            return false
        }
        if revision > meta.current {
            if explicit { throw DatastoreError.futureRevision(requested: revision, currentRevision: meta.current) }
            return false
        }
        if revision == meta.compacted { return false }
        let statement = try connection.statement("UPDATE meta SET compact_rev = ?1 WHERE id = 1")
        try statement.bind(1, revision)
        try statement.run()
        return true
    }

    /// Runs compaction steps, each its own short write transaction queued behind client writes,
    /// until every row up to the recorded compact revision has been processed.
    func runCompaction(batchSize: Int, cancellable: Bool) async throws {
        while true {
            if cancellable && Task.isCancelled { return }
            let step = try await writer.perform(transaction: true) { connection in
                try Self.compactionStep(batchSize: batchSize, connection: connection)
            }
            if step.removed > 0 {
                revisions.state.withLock {
                    $0.compactedRows += step.removed
                    $0.changes &+= 1
                }
            }
            if step.finished {
                revisions.state.withLock { $0.compactionPending = false }
                return
            }
        }
    }

    /// One batch: walks up to `batchSize` log rows above `meta.compact_done` and at or below
    /// `meta.compact_rev`. Each row supersedes the row its `prev_rev` names, which is deleted;
    /// a tombstone row is deleted too (everything before it is gone by then). Reads at or above the
    /// compact revision see the same latest row per key as before.
    static func compactionStep(batchSize: Int, connection: SQLiteConnection) throws -> CompactionStep {
        let meta = try connection.statement("SELECT compact_rev, compact_done FROM meta WHERE id = 1")
        guard try meta.step() else {
            throw DatastoreError.corrupt(path: connection.path, detail: "k3s datastore without its meta row")
        }
        let target = meta.int64(0)
        let done = meta.int64(1)
        meta.reset()
        guard done < target else { return CompactionStep(removed: 0, finished: true) }

        let limit = max(1, batchSize)
        let scan = try connection.statement(
            "SELECT rev, prev_rev, deleted FROM kv WHERE rev > ?1 AND rev <= ?2 ORDER BY rev LIMIT ?3"
        )
        try scan.bind(1, done)
        try scan.bind(2, target)
        try scan.bind(3, Int64(limit))
        var rows: [(revision: Int64, previous: Int64, deleted: Bool)] = []
        rows.reserveCapacity(limit)
        while try scan.step() {
            rows.append((scan.int64(0), scan.int64(1), scan.int64(2) != 0))
        }
        scan.reset()

        let remove = try connection.statement("DELETE FROM kv WHERE rev = ?1")
        var removed = 0
        var processed = done
        for row in rows {
            let cost = (row.previous > 0 ? 1 : 0) + (row.deleted ? 1 : 0)
            if removed > 0 && removed + cost > limit { break }
            if row.previous > 0 {
                try remove.bind(1, row.previous)
                try remove.run()
                removed += connection.changes
            }
            if row.deleted {
                try remove.bind(1, row.revision)
                try remove.run()
                removed += connection.changes
            }
            processed = row.revision
        }
        let finished = rows.count < limit && processed == (rows.last?.revision ?? processed)
        let newDone = finished ? target : processed
        let update = try connection.statement("UPDATE meta SET compact_done = ?1 WHERE id = 1")
        try update.bind(1, newDone)
        try update.run()
        return CompactionStep(removed: removed, finished: finished)
    }
}
