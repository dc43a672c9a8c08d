#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The directories of node-local volumes under one storage directory (K3s's
/// `DATA_DIR/storage`): the storage directory is `0700` (only root looks inside), each volume's
/// directory `0777` (a pod running as any user can write it), as K3s lays them out.
///
/// Only a direct entry of the storage directory is ever made or removed: a path with another
/// parent, `..` or `.` components, or a trailing name that is empty is refused, and removal never
/// follows a symlink (a symlinked entry loses only the link) nor crosses into a mount.
public struct LocalVolumeDirectories: Sendable {
    /// The storage directory, without a trailing slash.
    public let root: String

    /// Creates the set under `root`.
    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    /// Makes the storage directory (`0700`) when it is missing.
    ///
    /// - Throws: ``PodConfigError`` when it cannot be made.
    public func prepareRoot() throws(PodConfigError) {
        if NodeFiles.kind(root) == .directory { return }
        try NodeFiles.makeDirectory(root, mode: 0o700)
    }

    /// Whether `path` is a direct entry of the storage directory (and so may be made or removed).
    public func contains(_ path: String) -> Bool {
        guard path.hasPrefix(root + "/") else { return false }
        let name = path.dropFirst(root.count + 1)
        return !name.isEmpty && name != "." && name != ".." && !name.contains("/")
    }

    /// Makes a volume's directory (`0777`) under the storage directory when it is missing.
    ///
    /// - Throws: ``PodConfigError`` for a path outside the storage directory, an entry that exists
    ///   and is not a directory, or a failed `mkdir`.
    public func create(_ path: String) throws(PodConfigError) {
        guard contains(path) else { throw PodConfigError("\(path) is not an entry of the storage directory \(root)") }
        try prepareRoot()
        switch NodeFiles.kind(path, follow: false) {
        case .missing:
            if mkdir(path, 0o777) != 0 && errno != EEXIST { throw NodeFiles.failure("mkdir", path) }
            chmod(path, 0o777)
        case .directory:
            return
        default:
            throw PodConfigError("\(path) exists and is not a directory")
        }
    }

    /// Removes a volume's directory and everything in it; a missing one is already removed.
    ///
    /// - Throws: ``PodConfigError`` for a path outside the storage directory or a failed removal.
    public func remove(_ path: String) throws(PodConfigError) {
        guard contains(path) else { throw PodConfigError("\(path) is not an entry of the storage directory \(root)") }
        try NodeFiles.removeTree(path)
    }
}
