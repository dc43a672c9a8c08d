#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Subprocess

/// A child's standard input read from an unlinked temporary file rather than a pipe.
///
/// A pipe needs this process to keep writing while the child reads, and swift-subprocess traps
/// when the child exits before taking all of its input (a failing `nft -f -` does). From a file the
/// child reads at its own pace, or not at all, and nothing is left waiting in this process.
public enum StandardInputFile {
    /// The input to pass to `Subprocess.run`: nothing for empty `bytes`, otherwise a file holding
    /// them, positioned at its start, closed here once the child is spawned.
    ///
    /// - Throws: ``NFTablesError`` when the temporary file cannot be made or written.
    public static func input(_ bytes: [UInt8]) throws -> any InputProtocol {
        if bytes.isEmpty { return NoInput.none }
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/k3s-input-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw NFTablesError("cannot make a temporary file in \(directory): \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw NFTablesError("cannot write a temporary file: \(reason)")
            }
            written += count
        }
        lseek(fd, 0, SEEK_SET)
        return FileDescriptorInput.fileDescriptor(.init(rawValue: fd), closeAfterSpawningProcess: true)
    }
}
