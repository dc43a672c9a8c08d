import ServiceLifecycle
import Synchronization

/// How a running `k3s` asks to be replaced by another binary: the node's upgrader calls
/// ``request(binary:)``; ``RestartRequestService`` then ends the process's service group
/// gracefully, and the command that ran it `exec`s ``binary`` with the same arguments (same PID,
/// so systemd keeps tracking it).
public final class RestartRequest: Sendable {
    private let state = Mutex<String?>(nil)
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// Creates a request nobody has made yet.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// The binary to run next, once requested.
    public var binary: String? { state.withLock { $0 } }

    /// Asks for the process to stop and run `binary` instead.
    public func request(binary: String) {
        state.withLock { $0 = binary }
        continuation.yield()
        continuation.finish()
    }

    /// Returns once a restart is requested (or the stream ends).
    func requested() async {
        for await _ in stream { return }
    }
}

/// Returns when a restart is requested, which (as its service configuration says) shuts the
/// service group down gracefully; otherwise waits for the group's own shutdown.
struct RestartRequestService: Service {
    let request: RestartRequest

    func run() async throws {
        await cancelWhenGracefulShutdown { await request.requested() }
    }
}
