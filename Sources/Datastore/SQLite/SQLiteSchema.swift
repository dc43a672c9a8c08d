#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The on-disk layout of a ``SQLiteDatastore`` and the checks that recognise one.
///
/// `kv` is an append-only revision log: one row per write, the row id *is* the revision. A delete
/// appends a tombstone (`deleted = 1`). `prev_rev` points at the key's previous row (0 for the first
/// row of a key), which lets compaction find superseded rows by primary key. `meta` has one row.
enum SQLiteSchema {
    /// `PRAGMA application_id` of our files: "K3SD".
    static let applicationID: Int32 = 0x4B33_5344
    /// `PRAGMA user_version` / `meta.schema_version` written by this code.
    static let version: Int32 = 1

    /// The statements that create a new store (run inside one transaction, before WAL is turned on).
    static let create = """
        PRAGMA application_id = \(applicationID);
        PRAGMA user_version = \(version);
        CREATE TABLE kv (
            rev INTEGER PRIMARY KEY,
            key TEXT NOT NULL,
            create_rev INTEGER NOT NULL,
            prev_rev INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            value BLOB NOT NULL
        );
        CREATE INDEX kv_key_rev ON kv (key, rev, deleted);
        CREATE TABLE meta (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            schema_version INTEGER NOT NULL,
            current_rev INTEGER NOT NULL,
            compact_rev INTEGER NOT NULL,
            compact_done INTEGER NOT NULL
        );
        INSERT INTO meta (id, schema_version, current_rev, compact_rev, compact_done) VALUES (1, \(version), 0, 0, 0);
        """

    /// What the first 100 bytes of a file say about it.
    enum FileState: Equatable {
        /// No file, or an empty one: a new store will be created.
        case absent
        /// An SQLite file carrying our application id and a schema version we understand.
        case ours
    }

    /// Inspects `path` without modifying it.
    ///
    /// - Throws: `corrupt` if the file is not SQLite, is another application's SQLite file, or has a
    ///   newer schema; `io` if it cannot be read.
    static func inspect(path: String) throws -> FileState {
        var info = stat()
        if stat(path, &info) != 0 {
            let code = errno
            if code == ENOENT { return .absent }
            throw DatastoreError.io(detail: "cannot stat \(path): \(SQLiteFileLock.describe(code))")
        }
        if (info.st_mode & S_IFMT) != S_IFREG {
            throw DatastoreError.corrupt(path: path, detail: "not a regular file")
        }
        if info.st_size == 0 { return .absent }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            throw DatastoreError.io(detail: "cannot read \(path): \(SQLiteFileLock.describe(code))")
        }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 100)
        var filled = 0
        while filled < header.count {
            let n = header.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw DatastoreError.io(detail: "cannot read \(path): \(SQLiteFileLock.describe(code))")
            }
            if n == 0 { break }
            filled += n
        }
        let magic = Array("SQLite format 3".utf8) + [0]
        guard filled == header.count, Array(header[0..<16]) == magic else {
            throw DatastoreError.corrupt(path: path, detail: "not an SQLite database (bad or truncated file header)")
        }
        let applicationID = bigEndianInt32(header, at: 68)
        guard applicationID == Self.applicationID else {
            throw DatastoreError.corrupt(
                path: path,
                detail: "an SQLite database but not a k3s datastore (application id \(applicationID))"
            )
        }
        let userVersion = bigEndianInt32(header, at: 60)
        guard userVersion >= 1, userVersion <= version else {
            throw DatastoreError.corrupt(path: path, detail: "unsupported k3s datastore schema version \(userVersion)")
        }
        return .ours
    }

    /// Checks through an open connection that the file has our tables and a sane meta row.
    ///
    /// - Throws: `corrupt` otherwise.
    static func validate(_ connection: SQLiteConnection, path: String, fullCheck: Bool) throws {
        do {
            guard try connection.scalarInt("PRAGMA application_id") == Int64(applicationID) else {
                throw DatastoreError.corrupt(path: path, detail: "not a k3s datastore")
            }
            _ = try connection.statement("SELECT rev, key, create_rev, prev_rev, deleted, value FROM kv LIMIT 0")
            let meta = try connection.statement("SELECT schema_version, current_rev, compact_rev, compact_done FROM meta WHERE id = 1")
            defer { meta.reset() }
            guard try meta.step() else {
                throw DatastoreError.corrupt(path: path, detail: "k3s datastore without its meta row")
            }
            let current = meta.int64(1)
            let compact = meta.int64(2)
            let done = meta.int64(3)
            guard meta.int64(0) == Int64(version), current >= 0, compact >= 0, compact <= current, done >= 0, done <= compact else {
                throw DatastoreError.corrupt(path: path, detail: "inconsistent meta row (current \(current), compacted \(compact), done \(done))")
            }
            meta.reset()
            if let maxRevision = try connection.scalarInt("SELECT max(rev) FROM kv"), maxRevision > current {
                throw DatastoreError.corrupt(path: path, detail: "log revision \(maxRevision) beyond recorded revision \(current)")
            }
            if fullCheck {
                let result = try connection.scalarText("PRAGMA quick_check") ?? "no result"
                guard result == "ok" else {
                    throw DatastoreError.corrupt(path: path, detail: "integrity check failed: \(result)")
                }
            }
        } catch let error as DatastoreError {
            switch error {
            case .corrupt, .locked, .readOnly:
                throw error
            default:
                throw DatastoreError.corrupt(path: path, detail: "unreadable k3s datastore: \(error)")
            }
        }
    }

    private static func bigEndianInt32(_ bytes: [UInt8], at offset: Int) -> Int32 {
        Int32(bitPattern: UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
    }
}
