import ClusterTesting

/// The test image of the real-node tests: Debian's busybox-static packed as an OCI archive
/// (``TestImages``), written into each node's data directory (removed with it).
enum RealNodeImage {
    /// The image's name, as pods name it.
    static var name: String { TestImages.busyboxName }

    /// Writes the archive to `path`.
    static func write(to path: String) throws {
        _ = try TestImages.writeBusybox(to: path)
    }
}
