/// Sizes of one filesystem, as `statvfs` reports them.
public struct FilesystemUsage: Sendable, Hashable {
    /// Total size in bytes.
    public var capacityBytes: Int64
    /// Bytes available to unprivileged users.
    public var availableBytes: Int64
    /// Total inodes.
    public var inodes: Int64
    /// Free inodes.
    public var inodesFree: Int64

    /// Bytes in use (`capacity − available`, never negative).
    public var usedBytes: Int64 { max(0, capacityBytes - availableBytes) }

    /// Creates figures.
    public init(capacityBytes: Int64, availableBytes: Int64, inodes: Int64, inodesFree: Int64) {
        self.capacityBytes = capacityBytes
        self.availableBytes = availableBytes
        self.inodes = inodes
        self.inodesFree = inodesFree
    }
}

/// The machine a real kubelet runs on, as the few reads it needs: files under `/proc`, `/sys` and
/// `/etc`, filesystem sizes, and `uname`. `LinuxHostSystem` reads the real
/// machine; tests give fixed text. Hollow nodes have none and report configured figures.
public protocol HostSystem: Sendable {
    /// The whole content of a (small) text file, `nil` when it cannot be read.
    func readFile(_ path: String) -> String?
    /// The entry names of a directory, `nil` when it cannot be read.
    func listDirectory(_ path: String) -> [String]?
    /// Sizes of the filesystem holding `path`, `nil` when it cannot be read.
    func filesystemUsage(_ path: String) -> FilesystemUsage?
    /// `uname`'s release (`6.1.0-18-amd64`) and machine (`x86_64`).
    func kernel() -> (release: String, machine: String)
    /// The disk space the files under `path` take (allocated blocks, as `du` counts them),
    /// staying on `path`'s filesystem; `nil` when `path` cannot be read.
    func directoryUsageBytes(_ path: String) -> Int64?
}
