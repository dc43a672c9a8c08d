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
            try await compactAutomatically()
            let compactedRows = revisions.state.withLock { $0.compactedRows }
            if revisions.state.withLock({ $0.vacuumCheckedRows }) != compactedRows {
                try await returnFreePages()
                revisions.state.withLock { $0.vacuumCheckedRows = compactedRows }
            }
            try await checkpointIfQuiet(quietAfter: quiet)
        } catch DatastoreError.closed {
            return
        } catch {
            logger.warning("sqlite datastore maintenance failed", metadata: ["error": "\(error)"])
        }
    }

    /// Compacts up to the policy's target (and finishes a compaction interrupted by a restart).
    func compactAutomatically() async throws {
        let (current, compacted) = revisions.state.withLock { ($0.current, $0.compacted) }
        let target = scheduler.withLock { scheduler -> Int64? in
            scheduler.record(revision: current)
            return scheduler.target(currentRevision: current, compactedRevision: compacted)
        }
        var recorded = false
        if let target {
            recorded = try await writer.perform(transaction: true) { connection in
                try Self.recordCompactRevision(target, connection: connection, explicit: false)
            }
            if recorded {
                revisions.state.withLock {
                    $0.compacted = max($0.compacted, target)
                    $0.compactionPending = true
                }
                logger.debug("sqlite datastore compacting", metadata: ["revision": "\(target)"])
            }
        }
        if recorded || revisions.state.withLock({ $0.compactionPending }) {
            try await runCompaction(batchSize: configuration.compaction.batchSize, cancellable: true)
        }
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
            revisions.state.withLock { $0.changes &+= 1 }
        }
    }

    /// Checkpoints the WAL into the database and truncates it when nothing was written for a
    /// while. Never waits for readers: if one is active the checkpoint is retried later.
    func checkpointIfQuiet(quietAfter quiet: Duration) async throws {
        let (changes, checkpointed, lastCommit) = revisions.state.withLock { ($0.changes, $0.checkpointedChanges, $0.lastCommit) }
        guard changes != checkpointed, ContinuousClock.now - lastCommit >= quiet else { return }
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
                $0.checkpointedChanges = changes
                $0.checkpoints += 1
            }
        }
    }
}
