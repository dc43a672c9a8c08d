import CSQLite

/// One prepared statement. Column and bind indexes follow SQLite: binds count from 1, columns from 0.
final class SQLiteStatement {
    private let raw: OpaquePointer
    private unowned let connection: SQLiteConnection
    private var finalized = false

    init(raw: OpaquePointer, connection: SQLiteConnection) {
        self.raw = raw
        self.connection = connection
    }

    func finalize() {
        guard !finalized else { return }
        finalized = true
        sqlite3_finalize(raw)
    }

    /// Resets the statement so it can run again and clears its bindings.
    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: Int64) throws {
        try check(sqlite3_bind_int64(raw, index, value))
    }

    func bind(_ index: Int32, _ value: Bool) throws {
        try check(sqlite3_bind_int64(raw, index, value ? 1 : 0))
    }

    func bind(_ index: Int32, _ value: String) throws {
        var value = value
        try value.withUTF8 { utf8 in
            try check(sqlite3_bind_text(raw, index, utf8.baseAddress ?? UnsafePointer(bitPattern: 1), Int32(utf8.count), Self.transient))
        }
    }

    /// Binds raw bytes as TEXT (no UTF-8 check), for range bounds that need not be valid UTF-8.
    func bindTextBytes(_ index: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { chars in
                try check(sqlite3_bind_text(raw, index, chars.baseAddress ?? UnsafePointer(bitPattern: 1), Int32(chars.count), Self.transient))
            }
        }
    }

    func bind(_ index: Int32, blob: [UInt8]) throws {
        try blob.withUnsafeBytes { bytes in
            // A zero-length blob needs a non-null pointer to stay a BLOB rather than NULL.
            try check(sqlite3_bind_blob(raw, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Self.transient))
        }
    }

    /// Advances to the next row: `true` when a row is available, `false` when done.
    func step() throws -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = connection.lastErrorMessage
            sqlite3_reset(raw)
            throw SQLiteConnection.mapError(code: rc, message: message, path: connection.path)
        }
    }

    /// Runs a statement that returns no rows, then resets it.
    func run() throws {
        defer { reset() }
        while try step() {}
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(raw, column)
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(raw, column) == SQLITE_NULL
    }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(raw, column) else { return "" }
        let count = Int(sqlite3_column_bytes(raw, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func blob(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let pointer = sqlite3_column_blob(raw, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    private func check(_ rc: Int32) throws {
        if rc != SQLITE_OK {
            throw SQLiteConnection.mapError(code: rc, message: connection.lastErrorMessage, path: connection.path)
        }
    }
}
