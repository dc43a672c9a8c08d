#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `HostSystem` of the machine this process runs on.
public struct LinuxHostSystem: HostSystem {
    /// Creates the reader; it holds nothing.
    public init() {}

    /// Reads up to 4 MiB of a file with plain `read(2)` calls (procfs files have no size).
    public func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while bytes.count < 4 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Lists a directory with `opendir`/`readdir`, without `.` and `..`.
    public func listDirectory(_ path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Walks the tree under `path` with `lstat` (symbolic links are not followed, other
    /// filesystems mounted inside are not entered) and adds up `st_blocks`.
    public func directoryUsageBytes(_ path: String) -> Int64? {
        var root = stat()
        guard lstat(path, &root) == 0 else { return nil }
        var total = Int64(root.st_blocks) * 512
        var pending = (root.st_mode & S_IFMT) == S_IFDIR ? [path] : []
        while let directory = pending.popLast() {
            for name in listDirectory(directory) ?? [] {
                let child = directory + "/" + name
                var info = stat()
                guard lstat(child, &info) == 0, info.st_dev == root.st_dev else { continue }
                total += Int64(info.st_blocks) * 512
                if (info.st_mode & S_IFMT) == S_IFDIR { pending.append(child) }
            }
        }
        return total
    }

    /// `statvfs(3)` of the path.
    public func filesystemUsage(_ path: String) -> FilesystemUsage? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let unit = Int64(info.f_frsize == 0 ? info.f_bsize : info.f_frsize)
        return FilesystemUsage(
            capacityBytes: Int64(info.f_blocks) * unit, availableBytes: Int64(info.f_bavail) * unit,
            inodes: Int64(info.f_files), inodesFree: Int64(info.f_ffree))
    }

    /// `uname(2)`.
    public func kernel() -> (release: String, machine: String) {
        var names = utsname()
        guard uname(&names) == 0 else { return ("", "") }
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return (text(names.release), text(names.machine))
    }
}
