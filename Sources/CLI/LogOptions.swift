import ArgumentParser
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// K3s's logging flags, on every command that logs: `--debug` (also `K3S_DEBUG=true`), `--log`
/// / `-l FILE` (log to FILE instead of standard error) and `--alsologtostderr` (with `--log`,
/// standard error too).
struct LogOptions: ParsableArguments {
    @Flag(name: .customLong("debug"), help: "Turn on debug logs (env K3S_DEBUG).")
    var debug = false

    @Option(name: [.customShort("l"), .customLong("log")], help: "Log to FILE.")
    var log: String?

    @Flag(name: .customLong("alsologtostderr"), help: "Log to standard error as well as the --log file.")
    var alsoLogToStderr = false

    /// Whether debug logging is on: the flag or `K3S_DEBUG=true`.
    var debugEnabled: Bool {
        debug || getenv("K3S_DEBUG").map { String(cString: $0).lowercased() == "true" } == true
    }

    /// Sets up logging (once per process) and returns a logger; `debug` also turns debug on
    /// (a config file's `debug: true`).
    ///
    /// With `--log FILE` alone, the process's standard error is redirected into the file (so
    /// messages of libraries and crashes land there too); with `--alsologtostderr` the log
    /// lines go to both.
    func makeLogger(label: String, debug configured: Bool = false) throws -> Logger {
        let level: Logger.Level = debugEnabled || configured ? .debug : .info
        var sink: FileLogHandler.Sink?
        if let log, !log.isEmpty {
            sink = try FileLogHandler.Sink(path: log)
            if !alsoLogToStderr {
                sink?.redirectStandardError()
                sink = nil
            }
        }
        let file = sink
        LoggingSystem.bootstrap { label in
            var standardError = StreamLogHandler.standardError(label: label)
            standardError.logLevel = level
            guard let file else { return standardError }
            var toFile = FileLogHandler(label: label, sink: file)
            toFile.logLevel = level
            return MultiplexLogHandler([standardError, toFile])
        }
        return Logger(label: label)
    }
}
