extension SQLiteDatastore {
    /// The first key bytes *after* every key starting with `prefix` (the exclusive upper bound of
    /// the prefix's range), or `nil` when no such bound exists (a prefix of only 0xFF bytes).
    static func rangeEnd(of prefix: String) -> [UInt8]? {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }

    /// The upper bound used in range queries: the prefix's range end, or a byte sequence above every
    /// valid UTF-8 key.
    static func upperBound(of prefix: String) -> [UInt8] {
        rangeEnd(of: prefix) ?? [0xFF, 0xFF, 0xFF, 0xFF]
    }

    /// Reads the meta row inside the current read transaction: `(current, compacted)`.
    static func readMeta(_ connection: SQLiteConnection) throws -> (current: Int64, compacted: Int64) {
        let statement = try connection.statement("SELECT current_rev, compact_rev FROM meta WHERE id = 1")
        defer { statement.reset() }
        guard try statement.step() else {
            throw DatastoreError.corrupt(path: connection.path, detail: "k3s datastore without its meta row")
        }
        return (statement.int64(0), statement.int64(1))
    }

    /// Fails unless `revision` is readable given the snapshot's meta row.
    static func checkReadable(_ revision: Int64, current: Int64, compacted: Int64) throws {
        if revision < compacted {
            throw DatastoreError.compacted(requested: revision, compactedRevision: compacted)
        }
        if revision > current {
            throw DatastoreError.futureRevision(requested: revision, currentRevision: current)
        }
    }

    /// The latest row of `key` at or below `revision`, `nil` if none or a tombstone.
    static func readKey(_ key: String, at revision: Int64, connection: SQLiteConnection) throws -> KeyValue? {
        let statement = try connection.statement(
            "SELECT rev, create_rev, deleted, value FROM kv WHERE key = ?1 AND rev <= ?2 ORDER BY rev DESC LIMIT 1"
        )
        defer { statement.reset() }
        try statement.bind(1, key)
        try statement.bind(2, revision)
        guard try statement.step(), statement.int64(2) == 0 else { return nil }
        return KeyValue(key: key, value: statement.blob(3), createRevision: statement.int64(1), modRevision: statement.int64(0))
    }

    /// Reads the newest row of `key` at or below `revision` from one WAL snapshot.
    public func get(key: String, revision: Int64?) async throws -> KeyValue? {
        try rules.validateKey(key)
        try checkOpen()
        return try readers.withSnapshot { connection in
            let meta = try Self.readMeta(connection)
            let at = revision ?? meta.current
            try Self.checkReadable(at, current: meta.current, compacted: meta.compacted)
            return try Self.readKey(key, at: at, connection: connection)
        }
    }

    /// Walks the (key, rev, deleted) index for the newest row per key at the list revision;
    /// every page of a continued list reads at the first page's revision.
    public func list(prefix: String, revision: Int64?, limit: Int?, continueToken: String?) async throws -> ListResult {
        try rules.validateListPrefix(prefix)
        let token = try continueToken.map { token throws(DatastoreError) in try ContinueToken.decode(token, prefix: prefix) }
        try checkOpen()
        let limit = (limit ?? 0) > 0 ? limit! : Int.max
        return try readers.withSnapshot { connection in
            let meta = try Self.readMeta(connection)
            let at = token?.revision ?? revision ?? meta.current
            try Self.checkReadable(at, current: meta.current, compacted: meta.compacted)

            // Walk the covering index (key, rev, deleted): the newest row per key at or below `at`,
            // in key order, without touching values; then fetch each live value by primary key.
            let keys = try connection.statement("""
                SELECT key, max(rev), deleted FROM kv
                WHERE key >= ?1 AND key < ?2 AND rev <= ?3
                GROUP BY key ORDER BY key
                """)
            defer { keys.reset() }
            if let token {
                try keys.bindTextBytes(1, Array(token.lastKey.utf8) + [0])
            } else {
                try keys.bind(1, prefix)
            }
            try keys.bindTextBytes(2, Self.upperBound(of: prefix))
            try keys.bind(3, at)
            let row = try connection.statement("SELECT create_rev, value FROM kv WHERE rev = ?1")
            var items: [KeyValue] = []
            var remaining = 0
            while try keys.step() {
                guard keys.int64(2) == 0 else { continue }
                if items.count >= limit {
                    remaining += 1
                    continue
                }
                let modRevision = keys.int64(1)
                try row.bind(1, modRevision)
                guard try row.step() else {
                    throw DatastoreError.corrupt(path: connection.path, detail: "index names missing revision \(modRevision)")
                }
                items.append(KeyValue(key: keys.text(0), value: row.blob(1), createRevision: row.int64(0), modRevision: modRevision))
                row.reset()
            }
            guard remaining > 0, let last = items.last else {
                return ListResult(items: items, revision: at)
            }
            let next = ContinueToken(revision: at, lastKey: last.key, prefix: prefix).encoded()
            return ListResult(items: items, revision: at, continueToken: next, remainingCount: remaining)
        }
    }

    /// Counts the keys under `prefix` whose newest row is not a tombstone.
    public func count(prefix: String) async throws -> Int {
        try rules.validateListPrefix(prefix)
        try checkOpen()
        return try readers.withConnection { connection in
            let statement = try connection.statement("""
                SELECT count(*) FROM (
                    SELECT max(rev), deleted AS gone FROM kv WHERE key >= ?1 AND key < ?2 GROUP BY key
                ) WHERE gone = 0
                """)
            defer { statement.reset() }
            try statement.bind(1, prefix)
            try statement.bindTextBytes(2, Self.upperBound(of: prefix))
            guard try statement.step() else { return 0 }
            return Int(statement.int64(0))
        }
    }
}
