#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file operation that failed, with the path and the system's reason.
public struct FileSystemError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file or directory.
    public var path: String
    /// What was being done (`read`, `write`, ...).
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    public var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(code)))"
    }
}

/// Small POSIX file helpers, so the server's state handling needs no Foundation.
enum FileSystem {
    /// Whether something exists at `path`.
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Whether `path` is a directory.
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR)
    }

    /// The permission bits of a file.
    static func permissions(_ path: String) throws(FileSystemError) -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileSystemError(path: path, operation: "stat", code: errno) }
        return info.st_mode & 0o7777
    }

    /// The whole content of a file; `nil` if it does not exist.
    static func readFile(_ path: String) throws(FileSystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw FileSystemError(path: path, operation: "open", code: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileSystemError(path: path, operation: "read", code: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return result
    }

    /// The content of a text file; `nil` if it does not exist.
    static func readTextFile(_ path: String) throws(FileSystemError) -> String? {
        guard let bytes = try readFile(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Creates a directory and its missing parents with `mode`.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(FileSystemError) {
        if path.isEmpty || isDirectory(path) { return }
        let parent = parentDirectory(of: path)
        if parent != path { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0, errno != EEXIST {
            throw FileSystemError(path: path, operation: "create directory", code: errno)
        }
    }

    /// The directory part of a path (`/a/b` → `/a`, `b` → `.`).
    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.last == "/" { trimmed.removeLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Writes a file atomically (a temporary file renamed over the target) with exactly
    /// `mode` as its permissions, creating parent directories (0755) as needed.
    static func writeFile(_ bytes: [UInt8], to path: String, mode: mode_t) throws(FileSystemError) {
        try makeDirectories(parentDirectory(of: path))
        let temporary = path + ".tmp.\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileSystemError(path: temporary, operation: "create", code: errno) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(fd)
                unlink(temporary)
                throw FileSystemError(path: temporary, operation: "write", code: code)
            }
            offset += n
        }
        // The umask may have narrowed the mode given to open(2); set it exactly.
        fchmod(fd, mode)
        fsync(fd)
        close(fd)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw FileSystemError(path: path, operation: "rename into place", code: code)
        }
    }

    /// Writes text atomically; see ``writeFile(_:to:mode:)``.
    static func writeFile(_ text: String, to path: String, mode: mode_t) throws(FileSystemError) {
        try writeFile(Array(text.utf8), to: path, mode: mode)
    }

    /// The names in a directory (without `.` and `..`), sorted; empty if it does not exist.
    static func contents(ofDirectory path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
