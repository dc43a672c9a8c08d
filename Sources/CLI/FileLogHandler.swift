import ArgumentParser
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A log handler that appends lines to a file (`--log FILE --alsologtostderr`), in the same
/// layout as swift-log's standard-error handler.
struct FileLogHandler: LogHandler {
    /// An open log file shared by every handler.
    final class Sink: Sendable {
        let descriptor: Int32
        let lock = Mutex(())

        /// Opens (creating, appending) `path`.
        init(path: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw ValidationError("cannot open log file \(path): \(String(cString: strerror(errno)))")
            }
            descriptor = fd
        }

        /// Makes the file the process's standard error (and standard output).
        func redirectStandardError() {
            dup2(descriptor, STDERR_FILENO)
            dup2(descriptor, STDOUT_FILENO)
        }

        func write(_ line: String) {
            var bytes = Array(line.utf8)
            bytes.append(UInt8(ascii: "\n"))
            lock.withLock { _ in
                var offset = 0
                while offset < bytes.count {
                    let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { return }
                    offset += n
                }
            }
        }
    }

    let label: String
    let sink: Sink
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, sink: Sink) {
        self.label = label
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.write("\(Self.timestamp()) \(event.level) \(label): \(fields.isEmpty ? "" : fields + " ")\(event.message)")
    }

    static func timestamp() -> String {
        var now = time(nil)
        var broken = tm()
        localtime_r(&now, &broken)
        var buffer = [Int8](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &broken)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
