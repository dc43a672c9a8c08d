import NIOCore

/// Where a watch response's bytes go: the transport's side of a ``WatchBody``. The producer
/// (the watch cache, through the REST layer) pushes encoded event lines; the transport writes
/// them to the client, several pending lines in one flush.
///
/// ``write(_:exempt:)`` may be called with the watch cache's lock held, so implementations
/// never block in it and never call back into the producer from it or from ``finish()``.
public protocol WatchOutput: AnyObject, Sendable {
    /// Queues `bytes` for the client. Returns `false` when the output takes no more: it ended
    /// (client gone, server shutting down) or the client fell too far behind (the response is
    /// then cut off and the producer must drop the watch). `exempt` bytes (a watch's initial
    /// state, sent in one burst) do not count against the backlog bound.
    func write(_ bytes: ByteBuffer, exempt: Bool) -> Bool
    /// Ends the response once what was queued is written.
    func finish()
    /// Runs `handler` once when the output ends for any reason (at once if it already has).
    func onTermination(_ handler: @escaping @Sendable () -> Void)
}

/// A streamed response whose producer pushes lines into a ``WatchOutput`` the transport
/// supplies (watches): no task per response between the producer and the socket.
public struct WatchBody: Sendable {
    /// Called once by the transport with its output, before the response head is written;
    /// the producer starts writing into it right away (the transport holds the bytes until
    /// the head is out).
    let attach: @Sendable (any WatchOutput) -> Void

    /// Creates a body from what starts the producer.
    public init(attach: @escaping @Sendable (any WatchOutput) -> Void) {
        self.attach = attach
    }

    /// The body as a stream of chunks, for consumers without a socket (in-process clients,
    /// transcoders, tests). Iteration ending early (cancellation) ends the producer.
    public func chunks() -> AsyncStream<[UInt8]> {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        attach(StreamWatchOutput(continuation))
        return stream
    }
}

/// A ``WatchOutput`` feeding an `AsyncStream` (unbounded, as any `AsyncStream`).
final class StreamWatchOutput: WatchOutput {
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let termination = TerminationHandlers()

    init(_ continuation: AsyncStream<[UInt8]>.Continuation) {
        self.continuation = continuation
        continuation.onTermination = { [termination] _ in termination.run() }
    }

    func write(_ bytes: ByteBuffer, exempt: Bool) -> Bool {
        if case .terminated = continuation.yield(Array(bytes.readableBytesView)) { return false }
        return true
    }

    func finish() {
        continuation.finish()
    }

    func onTermination(_ handler: @escaping @Sendable () -> Void) {
        termination.add(handler)
    }
}
