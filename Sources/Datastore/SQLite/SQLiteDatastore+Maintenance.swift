extension SQLiteDatastore {
    /// Starts the background task: automatic compaction, freed-page return and WAL checkpoints.
    func startMaintenance() {
        let tick = min(configuration.compaction.interval, configuration.maintenanceInterval)
        let task = Task.detached(priority: .utility) { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                guard let self, !Task.isCancelled else { return }
                await self.maintain(quietAfter: tick)
            }
        }
        lifecycle.withLock { $0.maintenance = task }
    }

    /// One maintenance pass. Errors are logged; the next pass tries again.
    func maintain(quietAfter quiet: Duration) async {
        do {
            let removed = try await compactAutomatically()
            if removed > 0 { try await returnFreePages() }
            try await checkpointIfQuiet(quietAfter: quiet)
        } catch DatastoreError.closed {
            return
        } catch {
            logger.warning("sqlite datastore maintenance failed", metadata: ["error": "\(error)"])
        }
    }

    /// Compacts up to the policy's target (and finishes a compaction interrupted by a restart).
    /// Returns how many rows were removed.
    func compactAutomatically() async throws -> Int {
        let (current, compacted) = revisions.state.withLock { ($0.current, $0.compacted) }
        let target = scheduler.withLock { scheduler -> Int64? in
            scheduler.record(revision: current)
            return scheduler.target(currentRevision: current, compactedRevision: compacted)
        }
        if let target {
            let recorded = try await writer.perform(transaction: true) { connection in
                try Self.recordCompactRevision(target, connection: connection, explicit: false)
            }
            if recorded {
                revisions.state.withLock { $0.compacted = max($0.compacted, target) }
                logger.debug("sqlite datastore compacting", metadata: ["revision": "\(target)"])
            }
        }
        let before = revisions.state.withLock { $0.compactedRows }
        try await runCompaction(batchSize: configuration.compaction.batchSize, cancellable: true)
        return revisions.state.withLock { $0.compactedRows } - before
    }

    /// Hands free pages back to the file system once they are a large share of the file, in small
    /// steps through the writer. (Under steady churn freed pages are simply reused.)
    func returnFreePages() async throws {
        while !Task.isCancelled {
            let more = try await writer.perform(transaction: true) { connection -> Bool in
                let free = try connection.scalarInt("PRAGMA freelist_count") ?? 0
                let pages = try connection.scalarInt("PRAGMA page_count") ?? 0
                guard free > 256, free * 4 > pages else { return false }
                try connection.execute("PRAGMA incremental_vacuum(512)")
                return true
            }
            if !more { return }
        }
    }

    /// Checkpoints the WAL into the database and truncates it when nothing was written for a
    /// while. Never waits for readers: if one is active the checkpoint is retried later.
    func checkpointIfQuiet(quietAfter quiet: Duration) async throws {
        let (current, checkpointed, lastCommit) = revisions.state.withLock { ($0.current, $0.checkpointedRevision, $0.lastCommit) }
        guard current != checkpointed, ContinuousClock.now - lastCommit >= quiet else { return }
        let busyMilliseconds = configuration.busyTimeout.components.seconds * 1000
            + configuration.busyTimeout.components.attoseconds / 1_000_000_000_000_000
        let complete = try await writer.perform(transaction: false) { connection -> Bool in
            try connection.execute("PRAGMA busy_timeout = 0")
            defer { try? connection.execute("PRAGMA busy_timeout = \(busyMilliseconds)") }
            let statement = try connection.statement("PRAGMA wal_checkpoint(TRUNCATE)")
            defer { statement.reset() }
            guard try statement.step() else { return false }
            return statement.int64(0) == 0
        }
        if complete {
            revisions.state.withLock {
                $0.checkpointedRevision = current
                $0.checkpoints += 1
            }
        }
    }
}
