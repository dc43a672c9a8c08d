#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open CRI log file read forward in chunks: complete lines become records, an unterminated
/// last line waits for the rest. Lines that are not in the CRI format are skipped.
final class CRILogFile {
    let path: String
    private var fd: Int32
    private var pending: [UInt8] = []
    /// Device and inode of the open file, to notice rotation (a new file at `path`).
    private var identity: (dev_t, ino_t)

    /// Opens `path` for reading from the start.
    ///
    /// - Throws: ``ContainerLogError/unreadable(_:)``.
    init(path: String) throws(ContainerLogError) {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        fstat(fd, &info)
        self.fd = fd
        self.identity = (info.st_dev, info.st_ino)
    }

    deinit { close(fd) }

    /// Reads to the end of the file and returns the records of the complete lines read.
    func readAvailable() throws(ContainerLogError) -> [CRILogRecord] {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var records: [CRILogRecord] = []
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { return records }
            pending += chunk[0..<count]
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                if let record = try? CRILogRecord(parsing: pending[start..<newline]) { records.append(record) }
                start = newline + 1
            }
            pending.removeFirst(start)
        }
    }

    /// The record of an unterminated last line, if it parses (used when no more data will come).
    func finish() -> [CRILogRecord] {
        defer { pending = [] }
        guard !pending.isEmpty, let record = try? CRILogRecord(parsing: pending) else { return [] }
        return [record]
    }

    /// Whether `path` now names another file than the open one (the log was rotated).
    var isReplaced: Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_dev != identity.0 || info.st_ino != identity.1
    }

    /// Switches to the file now at `path`, from its start (after rotation).
    func reopen() throws(ContainerLogError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable("cannot open \(path): \(String(cString: strerror(errno)))") }
        close(self.fd)
        var info = stat()
        fstat(fd, &info)
        self.fd = fd
        self.identity = (info.st_dev, info.st_ino)
        pending = []
    }
}

/// Why a container log could not be served.
public enum ContainerLogError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The log file cannot be opened or read.
    case unreadable(String)

    /// What went wrong.
    public var description: String {
        switch self {
        case .unreadable(let message): message
        }
    }
}
