import CSQLite

/// A thin owner of one `sqlite3*` handle plus a cache of prepared statements.
///
/// Not thread-safe: one thread uses a connection at a time (the writer thread owns its connection,
/// readers check one out of ``SQLiteReadPool``), which is why it is opened with `SQLITE_OPEN_NOMUTEX`.
/// It is marked `@unchecked Sendable` only so it can be handed between those owners.
final class SQLiteConnection: @unchecked Sendable {
    /// The raw handle.
    let handle: OpaquePointer
    /// The database path, for error messages.
    let path: String
    private var statements: [String: SQLiteStatement] = [:]
    private var isClosed = false

    /// Opens (and with `create`, creates) the database file at `path`.
    init(path: String, readOnly: Bool, create: Bool) throws {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE
        if readOnly {
            flags |= SQLITE_OPEN_READONLY
        } else {
            flags |= SQLITE_OPEN_READWRITE
            if create { flags |= SQLITE_OPEN_CREATE }
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw SQLiteConnection.mapError(code: rc, message: message, path: path)
        }
        sqlite3_extended_result_codes(db, 1)
        self.handle = db
        self.path = path
    }

    deinit {
        close()
    }

    /// Finalizes every cached statement and closes the handle. Safe to call twice.
    func close() {
        guard !isClosed else { return }
        isClosed = true
        for statement in statements.values { statement.finalize() }
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more SQL statements that return no rows the caller needs.
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(errorMessage)
            throw SQLiteConnection.mapError(code: rc, message: message, path: path)
        }
    }

    /// A prepared statement for `sql`, reset and with bindings cleared; prepared once and cached.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else {
            throw SQLiteConnection.mapError(code: rc, message: lastErrorMessage, path: path)
        }
        let statement = SQLiteStatement(raw: raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs a query expected to produce one integer (a pragma or an aggregate); `nil` when no row.
    func scalarInt(_ sql: String) throws -> Int64? {
        let statement = try statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.int64(0)
    }

    /// Runs a query expected to produce one text value; `nil` when no row.
    func scalarText(_ sql: String) throws -> String? {
        let statement = try statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.text(0)
    }

    /// The message of the most recent failure on this connection.
    var lastErrorMessage: String {
        String(cString: sqlite3_errmsg(handle))
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    var changes: Int {
        Int(sqlite3_changes(handle))
    }

    /// Whether the connection is inside an open transaction.
    var inTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    /// Maps an SQLite result code to the datastore's error vocabulary.
    static func mapError(code: Int32, message: String, path: String) -> DatastoreError {
        switch code & 0xFF {
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return .corrupt(path: path, detail: message)
        case SQLITE_READONLY, SQLITE_PERM:
            return .readOnly(path: path, detail: message)
        case SQLITE_CANTOPEN:
            return .io(detail: "cannot open \(path): \(message)")
        case SQLITE_BUSY, SQLITE_LOCKED:
            return .locked(path: path)
        default:
            return .io(detail: "\(message) (sqlite code \(code))")
        }
    }
}
