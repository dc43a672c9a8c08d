import Synchronization

/// Read-only connections for `get`, `list`, `count` and watch history. In WAL mode each reader sees
/// one committed snapshot and runs alongside the writer without blocking it.
///
/// Connections are opened on demand; up to `maximumIdle` are kept for reuse.
final class SQLiteReadPool: Sendable {
    private struct State {
        var idle: [SQLiteConnection] = []
        var closed = false
    }

    private let path: String
    private let maximumIdle: Int
    private let busyTimeoutMilliseconds: Int
    private let state = Mutex(State())

    init(path: String, maximumIdle: Int, busyTimeoutMilliseconds: Int) {
        self.path = path
        self.maximumIdle = max(1, maximumIdle)
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    }

    /// Runs `body` with a connection checked out of the pool.
    ///
    /// - Throws: `closed` once the pool is closed, or what `body` throws.
    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        let reused = try state.withLock { state -> SQLiteConnection? in
            if state.closed { throw DatastoreError.closed }
            return state.idle.popLast()
        }
        let connection = try reused ?? open()
        defer { checkIn(connection) }
        return try body(connection)
    }

    /// Runs `body` inside one read transaction, so every query it makes sees the same snapshot.
    func withSnapshot<T>(_ body: (SQLiteConnection) throws -> T) throws -> T {
        try withConnection { connection in
            try connection.execute("BEGIN")
            do {
                let result = try body(connection)
                try connection.execute("COMMIT")
                return result
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Closes idle connections; connections in use are closed when they come back.
    func close() {
        let idle = state.withLock { state -> [SQLiteConnection] in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for connection in idle { connection.close() }
    }

    private func open() throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, readOnly: true, create: false)
        try connection.execute("PRAGMA busy_timeout = \(busyTimeoutMilliseconds)")
        return connection
    }

    private func checkIn(_ connection: SQLiteConnection) {
        if connection.inTransaction { try? connection.execute("ROLLBACK") }
        let keep = state.withLock { state -> Bool in
            guard !state.closed, state.idle.count < maximumIdle else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep { connection.close() }
    }
}
