/// One member of a tar archive: a regular file with its bytes, a directory, a symbolic link or
/// a hard link, with its permission bits and owner.
///
/// Paths are relative to the archive root and written without a leading `/` or `./` (both are
/// removed when the entry is created); a directory's path carries no trailing slash here (the
/// writer adds it).
public struct TarEntry: Sendable, Hashable {
    /// What the entry is.
    public enum Kind: Sendable, Hashable {
        /// A regular file and its content.
        case file([UInt8])
        /// A directory.
        case directory
        /// A symbolic link to `target` (relative or absolute, stored as given).
        case symlink(target: String)
        /// A hard link to another member of the same archive.
        case hardLink(target: String)
    }

    /// The path inside the archive, normalized as described on the type.
    public var path: String
    /// What the entry is.
    public var kind: Kind
    /// The permission bits (`0o755`, `0o4755`, ...), without the file type.
    public var mode: UInt32
    /// The owner's user id.
    public var uid: Int
    /// The owner's group id.
    public var gid: Int
    /// The modification time in seconds since the epoch; 0 by default so archives are reproducible.
    public var modificationTime: Int64

    /// Creates an entry.
    public init(path: String, kind: Kind, mode: UInt32, uid: Int = 0, gid: Int = 0, modificationTime: Int64 = 0) {
        self.path = TarEntry.normalize(path)
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.modificationTime = modificationTime
    }

    /// A regular file (mode `0o644` unless given).
    public static func file(_ path: String, _ bytes: [UInt8], mode: UInt32 = 0o644) -> TarEntry {
        TarEntry(path: path, kind: .file(bytes), mode: mode)
    }

    /// A regular file holding `text` in UTF-8.
    public static func file(_ path: String, text: String, mode: UInt32 = 0o644) -> TarEntry {
        TarEntry(path: path, kind: .file(Array(text.utf8)), mode: mode)
    }

    /// A directory (mode `0o755` unless given).
    public static func directory(_ path: String, mode: UInt32 = 0o755) -> TarEntry {
        TarEntry(path: path, kind: .directory, mode: mode)
    }

    /// A symbolic link at `path` pointing to `target`.
    public static func symlink(_ path: String, to target: String) -> TarEntry {
        TarEntry(path: path, kind: .symlink(target: target), mode: 0o777)
    }

    /// The file's content, or `nil` for other kinds.
    public var bytes: [UInt8]? {
        if case .file(let bytes) = kind { return bytes }
        return nil
    }

    /// `path` without leading `/` and `./` and without trailing `/`.
    static func normalize(_ path: String) -> String {
        var text = Substring(path)
        while true {
            if text.hasPrefix("/") {
                text = text.dropFirst()
            } else if text.hasPrefix("./") {
                text = text.dropFirst(2)
            } else {
                break
            }
        }
        while text.hasSuffix("/") { text = text.dropLast() }
        return text == "." ? "" : String(text)
    }
}
