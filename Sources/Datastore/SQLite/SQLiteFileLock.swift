#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock (`flock`) on `<database>.lock`, held for as long as a store is open,
/// so a second opener (another process, or another store in this one) fails with `locked`.
///
/// The kernel drops the lock when the holder dies, so a crashed store never leaves a stale lock.
final class SQLiteFileLock: Sendable {
    /// The lock file path.
    let path: String
    private let descriptor: Int32

    /// Creates (if needed) and locks `<databasePath>.lock`.
    ///
    /// - Throws: `readOnly` when the lock file cannot be created, `locked` when someone holds it.
    init(databasePath: String) throws {
        let lockPath = databasePath + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            if code == EROFS || code == EACCES || code == EPERM {
                throw DatastoreError.readOnly(path: databasePath, detail: "cannot create lock file \(lockPath): \(SQLiteFileLock.describe(code))")
            }
            throw DatastoreError.io(detail: "cannot open lock file \(lockPath): \(SQLiteFileLock.describe(code))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK {
                throw DatastoreError.locked(path: databasePath)
            }
            throw DatastoreError.io(detail: "cannot lock \(lockPath): \(SQLiteFileLock.describe(code))")
        }
        self.path = lockPath
        self.descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// The text of an `errno` value.
    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
