#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes a ``VolumePayload`` into a volume directory so that readers never see a mix of old and
/// new files: the files go into a fresh `..TIMESTAMP` directory, the `..data` symlink is swapped
/// to it with one rename, and each visible top-level name is a symlink through `..data`.
public struct AtomicWriter: Sendable {
    /// The volume directory.
    public let directory: String

    /// Creates a writer for `directory` (created when missing).
    public init(directory: String) {
        self.directory = directory
    }

    static let dataLink = "..data"

    /// Makes the directory hold exactly `payload`; returns false when it already did (nothing
    /// was written).
    /// - Parameter stamp: a unique name part for the new data directory (a timestamp).
    @discardableResult
    public func write(_ payload: VolumePayload, stamp: String) throws(PodConfigError) -> Bool {
        try NodeFiles.makeDirectory(directory, mode: 0o755)
        let current = NodeFiles.readLink(directory + "/" + Self.dataLink)
        if let current, matches(payload, in: directory + "/" + current) { return false }
        let fresh = "..\(stamp)"
        let freshPath = directory + "/" + fresh
        try NodeFiles.removeTree(freshPath)
        try NodeFiles.makeDirectory(freshPath, mode: 0o755)
        for (path, file) in payload.files {
            let full = freshPath + "/" + path
            if let slash = full.lastIndex(of: "/") { try NodeFiles.makeDirectory(String(full[..<slash]), mode: 0o755) }
            try NodeFiles.write(file.bytes, to: full, mode: mode_t(file.mode))
        }
        let temporary = directory + "/..data_tmp"
        _ = unlink(temporary)
        try NodeFiles.symlink(fresh, at: temporary)
        try NodeFiles.rename(temporary, directory + "/" + Self.dataLink)
        let visible = Set(payload.files.keys.map { String($0.split(separator: "/")[0]) })
        for name in visible where NodeFiles.kind(directory + "/" + name, follow: false) == .missing {
            try NodeFiles.symlink(Self.dataLink + "/" + name, at: directory + "/" + name)
        }
        for name in NodeFiles.list(directory) where !name.hasPrefix("..") && !visible.contains(name) {
            if NodeFiles.kind(directory + "/" + name, follow: false) == .symlink { _ = unlink(directory + "/" + name) }
        }
        if let current, current != fresh { try NodeFiles.removeTree(directory + "/" + current) }
        return true
    }

    /// Whether `path` holds exactly the payload's files, contents and modes.
    func matches(_ payload: VolumePayload, in path: String) -> Bool {
        guard Set(Self.files(under: path)) == Set(payload.files.keys) else { return false }
        return payload.files.allSatisfy { relative, file in
            NodeFiles.read(path + "/" + relative) == file.bytes && NodeFiles.mode(path + "/" + relative) == mode_t(file.mode)
        }
    }

    /// Relative paths of the regular files under `path`.
    static func files(under path: String, prefix: String = "") -> [String] {
        NodeFiles.list(path).flatMap { name -> [String] in
            let child = path + "/" + name
            switch NodeFiles.kind(child, follow: false) {
            case .directory: return files(under: child, prefix: prefix + name + "/")
            case .file: return [prefix + name]
            default: return []
            }
        }
    }
}
