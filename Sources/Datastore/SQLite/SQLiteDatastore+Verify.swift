extension SQLiteDatastore {
    /// Checks the file and the log's invariants: SQLite's `integrity_check`, every row's
    /// `create_rev <= rev` and `prev_rev < rev`, no row beyond the recorded current revision, and
    /// the compacted revision not beyond it either.
    ///
    /// - Throws: `corrupt` naming the first problem found; `closed`, `io`.
    public func verify() async throws {
        try checkOpen()
        let readers = self.readers
        try await Self.offloaded {
            try readers.withSnapshot { connection in
                let path = connection.path
                let integrity = try connection.scalarText("PRAGMA integrity_check") ?? "no result"
                guard integrity == "ok" else {
                    throw DatastoreError.corrupt(path: path, detail: "integrity check failed: \(integrity)")
                }
                let meta = try Self.readMeta(connection)
                guard meta.compacted <= meta.current else {
                    throw DatastoreError.corrupt(path: path, detail: "compacted revision \(meta.compacted) beyond current \(meta.current)")
                }
                let maximum = try connection.scalarInt("SELECT coalesce(max(rev), 0) FROM kv") ?? 0
                guard maximum <= meta.current else {
                    throw DatastoreError.corrupt(path: path, detail: "log revision \(maximum) beyond current \(meta.current)")
                }
                let misordered = try connection.scalarInt(
                    "SELECT count(*) FROM kv WHERE create_rev > rev OR prev_rev >= rev OR create_rev < 1"
                ) ?? 0
                guard misordered == 0 else {
                    throw DatastoreError.corrupt(path: path, detail: "\(misordered) log rows with inconsistent revisions")
                }
            }
        }
    }
}
