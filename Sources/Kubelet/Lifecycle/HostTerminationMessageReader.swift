#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads termination messages from the files the volume manager creates for each container
/// attempt (`PODS/UID/containers/NAME/ATTEMPT`, bind-mounted at the container's
/// `terminationMessagePath`) and log tails from CRI log files.
public struct HostTerminationMessageReader: TerminationMessageReader {
    /// The directory holding one directory per pod UID (`ROOT/pods`).
    public var podsDirectory: String

    /// Creates a reader of files under `podsDirectory`.
    public init(podsDirectory: String) {
        self.podsDirectory = podsDirectory
    }

    /// The attempt's file, cut to `limit` bytes; `nil` when it is missing or empty.
    public func terminationMessage(podUID: String, containerName: String, containerID: String, attempt: Int, limit: Int) -> String? {
        guard let bytes = NodeFiles.read("\(podsDirectory)/\(podUID)/containers/\(containerName)/\(attempt)"), !bytes.isEmpty
        else { return nil }
        return String(decoding: bytes.prefix(limit), as: UTF8.self)
    }

    /// The contents of the last `lines` log lines, cut to the last `bytes` bytes.
    public func logTail(path: String, lines: Int, bytes: Int) -> String? {
        guard let data = Self.readEnd(path, maximum: 64 * 1024) else { return nil }
        return CRILogTail.contents(data, lines: lines, bytes: bytes)
    }

    /// The last `maximum` bytes of a file.
    static func readEnd(_ path: String, maximum: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let size = lseek(descriptor, 0, SEEK_END)
        guard size >= 0 else { return nil }
        let start = max(0, Int(size) - maximum)
        var buffer = [UInt8](repeating: 0, count: Int(size) - start)
        var filled = 0
        while filled < buffer.count {
            let count = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, raw.count - filled, off_t(start + filled))
            }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            filled += count
        }
        return Array(buffer.prefix(filled))
    }
}

/// The message part of CRI log lines (`TIMESTAMP STREAM TAG CONTENT`, tag `F` for a full line,
/// `P` for a part continued by the next).
enum CRILogTail {
    /// The contents of the last `lines` lines of `data` joined with newlines (partial lines
    /// joined to the next), then cut to the last `bytes` bytes.
    static func contents(_ data: [UInt8], lines: Int, bytes: Int) -> String {
        var messages: [[UInt8]] = []
        var pending: [UInt8] = []
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3 else { continue }
            let content = fields.count == 4 ? Array(fields[3]) : []
            pending += content
            if fields[2].first == UInt8(ascii: "P") { continue }
            messages.append(pending)
            pending = []
        }
        if !pending.isEmpty { messages.append(pending) }
        let tail = messages.suffix(lines).map { $0 + [UInt8(ascii: "\n")] }.joined()
        return String(decoding: Array(tail).suffix(bytes), as: UTF8.self)
    }
}
