extension SQLiteDatastore {
    /// Registers with the watch hub, replays the log in `(revision, registration point]`, then
    /// streams live commits pushed by the writer.
    public func watch(prefix: String, fromRevision revision: Int64) async throws -> WatchStream {
        try rules.validateListPrefix(prefix)
        try checkOpen()
        // Register first: from here on the hub keeps every published change above `revision`;
        // the log supplies everything up to `replayThrough` (committed before it was published).
        let registration = try hub.register(prefix: prefix, fromRevision: revision)
        do {
            let history = try readers.withSnapshot { connection in
                let meta = try Self.readMeta(connection)
                if revision < meta.compacted {
                    throw DatastoreError.compacted(requested: revision, compactedRevision: meta.compacted)
                }
                if revision > meta.current {
                    throw DatastoreError.futureRevision(requested: revision, currentRevision: meta.current)
                }
                return try Self.readHistory(
                    prefix: prefix, after: revision, through: registration.replayThrough, connection: connection
                )
            }
            return registration.start(history: history)
        } catch {
            registration.cancel()
            throw error
        }
    }

    /// The changes under `prefix` in `(after, through]`, in revision order, rebuilt from the log.
    static func readHistory(prefix: String, after: Int64, through: Int64, connection: SQLiteConnection) throws -> [WatchEvent] {
        guard through > after else { return [] }
        let rows = try connection.statement("""
            SELECT rev, key, create_rev, prev_rev, deleted, value FROM kv
            WHERE rev > ?1 AND rev <= ?2 AND key >= ?3 AND key < ?4
            ORDER BY rev
            """)
        defer { rows.reset() }
        try rows.bind(1, after)
        try rows.bind(2, through)
        try rows.bind(3, prefix)
        try rows.bindTextBytes(4, upperBound(of: prefix))
        let previousRow = try connection.statement("SELECT create_rev, deleted, value FROM kv WHERE rev = ?1")
        var events: [WatchEvent] = []
        while try rows.step() {
            let revision = rows.int64(0)
            let key = rows.text(1)
            let createRevision = rows.int64(2)
            let previousRevision = rows.int64(3)
            let deleted = rows.int64(4) != 0
            var previous: KeyValue?
            if previousRevision > 0, deleted || createRevision != revision {
                try previousRow.bind(1, previousRevision)
                if try previousRow.step(), previousRow.int64(1) == 0 {
                    previous = KeyValue(
                        key: key, value: previousRow.blob(2), createRevision: previousRow.int64(0), modRevision: previousRevision
                    )
                }
                previousRow.reset()
            }
            if deleted {
                events.append(WatchEvent(kind: .deleted, key: key, revision: revision, current: nil, previous: previous))
            } else {
                let current = KeyValue(key: key, value: rows.blob(5), createRevision: createRevision, modRevision: revision)
                let kind: WatchEvent.Kind = createRevision == revision ? .created : .updated
                events.append(WatchEvent(kind: kind, key: key, revision: revision, current: current, previous: kind == .created ? nil : previous))
            }
        }
        return events
    }
}
