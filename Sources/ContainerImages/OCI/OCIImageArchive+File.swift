#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension OCIImageArchive {
    /// Writes the archive to `path` atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
