import ClusterTesting
import Foundation
import Synchronization

/// The test image of the real-node tests: Debian's busybox-static packed as an OCI archive
/// (``TestImages``), written once per test process into a temporary file.
enum RealNodeImage {
    /// The image's name, as pods name it.
    static var name: String { TestImages.busyboxName }

    private static let written = Mutex<String?>(nil)

    /// The archive's path (written on first use).
    static func archive() throws -> String {
        try written.withLock { path in
            if let path, FileManager.default.fileExists(atPath: path) { return path }
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("k3se2e-busybox-\(getpid()).tar").path
            _ = try TestImages.writeBusybox(to: file)
            path = file
            return file
        }
    }
}
