import KubeAPI

/// Serves one container's CRI log file as `kubectl logs` expects it: the options applied
/// (``ContainerLogFormatter``), and with `follow` new lines as they are written, until the
/// container exits, the byte limit is reached or the caller is cancelled.
///
/// Following waits on inotify (``LogFileWatcher``) and on the container's exit signal; it never
/// polls the file. A rotated log (renamed, a new file created at the same path) is read to its
/// end and then followed at the new file.
public struct ContainerLogStreamer: Sendable {
    /// The watcher that wakes followers.
    public let watcher: LogFileWatcher

    /// Creates a streamer.
    public init(watcher: LogFileWatcher) {
        self.watcher = watcher
    }

    /// Writes the log at `path` to `write`, in chunks.
    ///
    /// - Parameters:
    ///   - now: the current time, for `sinceSeconds`.
    ///   - exited: yields (or finishes) when the container has exited; only read with `follow`.
    ///     Pass a finished stream for a container that is not running.
    ///   - write: receives output; a throw (the client went away) ends streaming with that error.
    /// - Throws: ``ContainerLogError``, ``LogFileWatcherError``, or what `write` throws.
    public func stream(
        path: String, options: ContainerLogOptions, now: MicroTime, exited: AsyncStream<Void>,
        write: (_ chunk: [UInt8]) async throws -> Void
    ) async throws {
        var formatter = ContainerLogFormatter(options: options, since: options.since(now: now))
        guard options.follow else {
            let file = try CRILogFile(path: path)
            var records = try file.readAvailable()
            records += file.finish()
            try await emit(records, tail: options.tailLines, formatter: &formatter, write: write)
            return
        }
        // Subscribe before the first read so that no write falls in between.
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.flatMap { $0.isEmpty ? "/" : $0 } ?? "."
        let subscription = try watcher.watch(directory: directory)
        defer { subscription.cancel() }
        let file = try CRILogFile(path: path)
        try await emit(try file.readAvailable(), tail: options.tailLines, formatter: &formatter, write: write)

        enum Signal { case changed, exited }
        let (signals, continuation) = AsyncStream.makeStream(of: Signal.self, bufferingPolicy: .bufferingNewest(4))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in subscription.changes { continuation.yield(.changed) }
            }
            group.addTask {
                for await _ in exited { break }
                continuation.yield(.exited)
            }
            defer { group.cancelAll() }
            var iterator = signals.makeAsyncIterator()
            while !formatter.isExhausted {
                guard let signal = await iterator.next() else { break }
                try await emit(try file.readAvailable(), tail: nil, formatter: &formatter, write: write)
                if signal == .exited {
                    try await emit(file.finish(), tail: nil, formatter: &formatter, write: write)
                    break
                }
                if file.isReplaced {
                    try await emit(file.finish(), tail: nil, formatter: &formatter, write: write)
                    try file.reopen()
                    try await emit(try file.readAvailable(), tail: nil, formatter: &formatter, write: write)
                }
            }
        }
    }

    private func emit(
        _ records: [CRILogRecord], tail: Int?, formatter: inout ContainerLogFormatter, write: (_ chunk: [UInt8]) async throws -> Void
    ) async throws {
        let start = tail.map { ContainerLogFormatter.tailStart(records, lines: $0) } ?? 0
        var output: [UInt8] = []
        for record in records[start...] {
            formatter.append(record, to: &output)
            if output.count >= 32 * 1024 {
                try await write(output)
                output.removeAll(keepingCapacity: true)
            }
        }
        if !output.isEmpty { try await write(output) }
    }
}
