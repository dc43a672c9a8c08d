import Logging
import ServiceLifecycle

/// Runs a ``ContainerNode`` inside a `ServiceGroup`: joins first (with retries, so a server's
/// own node can start beside its API server), then runs the node until graceful shutdown, when
/// it is cancelled — its containers (and the overlay's kernel state) keep running.
struct ContainerNodeService: Service {
    let node: ContainerNode
    let join: @Sendable () async throws -> NodeCredentials

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                let credentials = try await join()
                try await node.run(credentials: credentials)
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // SIGTERM cancels the node's tasks: a clean stop, not a failure (exit status 0).
        }
    }
}
