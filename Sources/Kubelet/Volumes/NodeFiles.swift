#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The file operations of the volume manager, over the C library; failures throw
/// ``PodConfigError`` naming the path and the system's reason.
enum NodeFiles {
    /// The kind of a file system object.
    enum Kind: Equatable {
        case missing, directory, file, socket, characterDevice, blockDevice, symlink, other
    }

    static func failure(_ operation: String, _ path: String, _ code: Int32 = errno) -> PodConfigError {
        PodConfigError("\(operation) \(path): \(String(cString: strerror(code)))")
    }

    /// What `path` is, following symlinks unless `follow` is false.
    static func kind(_ path: String, follow: Bool = true) -> Kind {
        var info = stat()
        let result = follow ? stat(path, &info) : lstat(path, &info)
        guard result == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case S_IFSOCK: return .socket
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// The device of `path` (to tell mount points), or `nil` when it cannot be read.
    static func device(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_dev)
    }

    /// Creates `path` and its missing parents with `mode` (set exactly, whatever the umask).
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws(PodConfigError) {
        if kind(path) == .directory { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if kind(prefix) == .directory { continue }
            if mkdir(prefix, mode) != 0 && errno != EEXIST { throw failure("mkdir", prefix) }
            chmod(prefix, mode)
        }
    }

    /// Writes `bytes` to a new file at `path` with `mode`.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws(PodConfigError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw failure("open", path) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            offset += written
        }
        if fchmod(descriptor, mode) != 0 { throw failure("chmod", path) }
    }

    /// The contents of the file at `path`, or `nil` when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[0..<count])
        }
    }

    /// The permission bits of `path` (not following symlinks at the end), or `nil`.
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// The target of the symlink at `path`, or `nil`.
    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Makes a symlink at `path` pointing at `target`.
    static func symlink(_ target: String, at path: String) throws(PodConfigError) {
        if Glibc.symlink(target, path) != 0 { throw failure("symlink", path) }
    }

    /// Renames `from` to `to` atomically (replacing `to`).
    static func rename(_ from: String, _ to: String) throws(PodConfigError) {
        if Glibc.rename(from, to) != 0 { throw failure("rename", from) }
    }

    /// The names in a directory (without `.` and `..`); empty when it cannot be read.
    static func list(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes `path` and everything under it, never following symlinks and never crossing
    /// into another file system (a mount left behind stops the removal with an error).
    static func removeTree(_ path: String) throws(PodConfigError) {
        switch kind(path, follow: false) {
        case .missing: return
        case .directory:
            let device = self.device(path)
            for name in list(path) {
                let child = path + "/" + name
                if kind(child, follow: false) == .directory, self.device(child) != device {
                    throw PodConfigError("remove \(path): \(child) is still a mount point")
                }
                try removeTree(child)
            }
            if rmdir(path) != 0 && errno != ENOENT { throw failure("rmdir", path) }
        default:
            if unlink(path) != 0 && errno != ENOENT { throw failure("unlink", path) }
        }
    }

    /// Gives `path` (and with `recursive` everything under it, symlinks not followed) to group
    /// `gid`: files get group read (and write unless `readOnly`), directories also group
    /// search and set-group-ID so new files inherit the group, as `fsGroup` asks.
    static func giveGroup(_ path: String, gid: Int, readOnly: Bool, recursive: Bool) throws(PodConfigError) {
        let kind = self.kind(path, follow: false)
        if kind == .missing { return }
        if lchown(path, uid_t.max, gid_t(gid)) != 0 { throw failure("chown", path) }
        guard kind != .symlink else { return }
        let fileBits: mode_t = readOnly ? 0o440 : 0o660
        if let current = mode(path) {
            let wanted = current | fileBits | (kind == .directory ? 0o2110 : 0)
            if wanted != current && chmod(path, wanted) != 0 { throw failure("chmod", path) }
        }
        guard recursive, kind == .directory else { return }
        for name in list(path) { try giveGroup(path + "/" + name, gid: gid, readOnly: readOnly, recursive: true) }
    }

    /// Mounts a tmpfs at `path` (size in bytes, 0 for the default) unless one is there.
    static func mountTmpfs(_ path: String, sizeBytes: Int64) throws(PodConfigError) {
        let parent = path.split(separator: "/").dropLast().joined(separator: "/")
        if let here = device(path), let above = device("/" + parent), here != above { return }
        let options = sizeBytes > 0 ? "mode=0777,size=\(sizeBytes)" : "mode=0777"
        if mount("tmpfs", path, "tmpfs", 0, options) != 0 { throw failure("mount tmpfs on", path) }
    }

    /// Unmounts every mount at or under `root` (deepest first), from `/proc/self/mountinfo`.
    static func unmountAll(under root: String) {
        guard let text = read("/proc/self/mountinfo") else { return }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        let points = String(decoding: text, as: UTF8.self).split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4]).replacingOctalEscapes()
            return point == root || point.hasPrefix(prefix) ? point : nil
        }
        for point in points.sorted(by: { $0.count > $1.count }) {
            _ = umount2(point, Int32(MNT_DETACH))
        }
    }
}

extension String {
    /// `\040`-style escapes of `/proc/self/mountinfo` decoded.
    func replacingOctalEscapes() -> String {
        guard contains("\\") else { return self }
        var bytes: [UInt8] = []
        let source = Array(utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
