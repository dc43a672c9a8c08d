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
    func makeLogger(label: String, debug configured: Bool = false) throws -> Logger {
        try Self.bootstrap(label: label, debug: debugEnabled || configured, logFile: log, alsoToStandardError: alsoLogToStderr)
    }

    /// Bootstraps swift-log: standard error at info (debug when `debug`). With `logFile` alone
    /// the process's standard error and output are redirected into the file (so messages of
    /// libraries and crashes land there too); with `alsoToStandardError` the log lines go to
    /// both.
    static func bootstrap(label: String, debug: Bool, logFile: String? = nil, alsoToStandardError: Bool = false) throws -> Logger {
        let level: Logger.Level = debug ? .debug : .info
        var sink: FileLogHandler.Sink?
        if let logFile, !logFile.isEmpty {
            sink = try FileLogHandler.Sink(path: logFile)
            if !alsoToStandardError {
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

extension ServerCommand {
    /// Logging to standard error, for commands without the logging flags.
    static func makeLogger(label: String, debug: Bool) -> Logger {
        // Without a log file nothing can fail.
        (try? LogOptions.bootstrap(label: label, debug: debug)) ?? Logger(label: label)
    }
}
