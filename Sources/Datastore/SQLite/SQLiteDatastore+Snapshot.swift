#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import Dispatch

/// `close(2)`, named so the store's own `close()` does not hide it.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}

extension SQLiteDatastore {
    /// Writes a consistent copy of the store to `path` while writers continue.
    ///
    /// The copy (SQLite's online backup API, one read transaction) reflects one committed revision;
    /// it is written to a temporary file next to `path`, synced and renamed into place, so `path`
    /// never holds a partial snapshot. The snapshot is a single self-contained file.
    ///
    /// - Throws: `closed`, `readOnly` if `path` cannot be written, `io`.
    public func snapshot(to path: String) async throws {
        try checkOpen()
        let readers = self.readers
        let storePath = configuration.path
        try await Self.offloaded {
            try Self.checkSnapshotDestination(path, storePath: storePath)
            try readers.withConnection { source in try Self.backup(from: source, to: path) }
        }
    }

    /// Writes a consistent copy of the store file at `storePath` to `path`, from another process
    /// than the one serving it (as `k3s datastore snapshot` does while the server runs).
    ///
    /// Opens the store read-only, without taking its lock; WAL readers never block its writer.
    ///
    /// - Throws: `corrupt` if `storePath` is not a k3s datastore, `readOnly` if `path` cannot be
    ///   written, `io`.
    public static func snapshot(storeAt storePath: String, to path: String) throws {
        guard try SQLiteSchema.inspect(path: storePath) == .ours else {
            throw DatastoreError.corrupt(path: storePath, detail: "no datastore at this path")
        }
        try checkSnapshotDestination(path, storePath: storePath)
        let source = try SQLiteConnection(path: storePath, readOnly: true, create: false)
        defer { source.close() }
        try source.execute("PRAGMA busy_timeout = 5000")
        try SQLiteSchema.validate(source, path: storePath, fullCheck: false)
        try backup(from: source, to: path)
    }

    /// Copies `source` with the online backup API into a temporary file next to `path`, makes it
    /// a self-contained rollback-journal database, syncs it and renames it into place, so `path`
    /// never holds a partial snapshot.
    static func backup(from source: SQLiteConnection, to path: String) throws {
        let temporary = temporaryPath(next: path)
        defer { unlink(temporary) }
        do {
            let destination = try SQLiteConnection(path: temporary, readOnly: false, create: true)
            defer { destination.close() }
            guard let backup = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
                throw SQLiteConnection.mapError(
                    code: sqlite3_errcode(destination.handle), message: destination.lastErrorMessage, path: path
                )
            }
            let rc = sqlite3_backup_step(backup, -1)
            let finish = sqlite3_backup_finish(backup)
            guard rc == SQLITE_DONE, finish == SQLITE_OK else {
                throw SQLiteConnection.mapError(code: rc == SQLITE_DONE ? finish : rc, message: destination.lastErrorMessage, path: path)
            }
            // The copied header says WAL; make the snapshot one self-contained file.
            _ = try destination.scalarText("PRAGMA journal_mode = DELETE")
        }
        try syncFile(temporary)
        guard rename(temporary, path) == 0 else {
            let code = errno
            throw fileError(code, path: path, action: "rename snapshot into place")
        }
        syncDirectory(of: path)
    }

    /// Replaces the store at `path` with the snapshot at `snapshot`.
    ///
    /// The snapshot is checked first (it must be a k3s datastore that passes an integrity check);
    /// then, holding the store's lock, it is copied next to `path`, synced, and renamed over it
    /// (after removing the old store's WAL files).
    ///
    /// - Throws: `corrupt` if the snapshot is not a usable datastore, `locked` if a store has
    ///   `path` open, `readOnly`, `io`.
    public static func restore(snapshot: String, to path: String) throws {
        guard try SQLiteSchema.inspect(path: snapshot) == .ours else {
            throw DatastoreError.corrupt(path: snapshot, detail: "snapshot file is missing or empty")
        }
        do {
            let connection = try SQLiteConnection(path: snapshot, readOnly: true, create: false)
            defer { connection.close() }
            try SQLiteSchema.validate(connection, path: snapshot, fullCheck: true)
        }
        let lock = try SQLiteFileLock(databasePath: path)
        defer { withExtendedLifetime(lock) {} }
        let temporary = temporaryPath(next: path)
        defer { unlink(temporary) }
        try copyFile(from: snapshot, to: temporary)
        try syncFile(temporary)
        for suffix in ["-wal", "-shm", "-journal"] {
            if unlink(path + suffix) != 0, errno != ENOENT {
                let code = errno
                throw fileError(code, path: path + suffix, action: "remove")
            }
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            throw fileError(code, path: path, action: "rename restored store into place")
        }
        syncDirectory(of: path)
    }

    // MARK: - File helpers

    /// Refuses a snapshot destination that is the store itself or in a directory we cannot write.
    static func checkSnapshotDestination(_ path: String, storePath: String) throws {
        var destination = stat()
        var store = stat()
        if stat(path, &destination) == 0, stat(storePath, &store) == 0,
           destination.st_dev == store.st_dev, destination.st_ino == store.st_ino {
            throw DatastoreError.io(detail: "refusing to write a snapshot over the open store \(storePath)")
        }
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        if access(directory, W_OK) != 0 {
            let code = errno
            throw fileError(code, path: path, action: "write to directory \(directory)")
        }
    }

    /// Runs blocking work (file copies, fsync) on a dispatch queue rather than the cooperative pool.
    static func offloaded<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    static func temporaryPath(next path: String) -> String {
        "\(path).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    static func fileError(_ code: Int32, path: String, action: String) -> DatastoreError {
        let detail = "cannot \(action): \(SQLiteFileLock.describe(code))"
        if code == EROFS || code == EACCES || code == EPERM {
            return .readOnly(path: path, detail: detail)
        }
        return .io(detail: "\(path): \(detail)")
    }

    static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            throw fileError(code, path: path, action: "open")
        }
        defer { closeDescriptor(fd) }
        guard fsync(fd) == 0 else {
            let code = errno
            throw fileError(code, path: path, action: "sync")
        }
    }

    static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        closeDescriptor(fd)
    }

    static func copyFile(from source: String, to destination: String) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else {
            let code = errno
            throw fileError(code, path: source, action: "open")
        }
        defer { closeDescriptor(input) }
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            let code = errno
            throw fileError(code, path: destination, action: "create")
        }
        defer { closeDescriptor(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                throw fileError(code, path: source, action: "read")
            }
            if count == 0 { return }
            var written = 0
            while written < count {
                let n = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    let code = errno
                    throw fileError(code, path: destination, action: "write")
                }
                written += n
            }
        }
    }
}
