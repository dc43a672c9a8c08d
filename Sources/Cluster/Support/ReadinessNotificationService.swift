import Logging
import ServiceLifecycle

/// Waits until `isReady` holds (asked every half second), then tells the service manager
/// `READY=1` with a status line; on graceful shutdown it says `STOPPING=1`. With no notifier it
/// does nothing but wait, so the server and the agent run the same way under systemd or not.
struct ReadinessNotificationService: Service {
    let notifier: SystemdNotifier?
    /// The status line sent with `READY=1`.
    let status: String
    let isReady: @Sendable () async -> Bool
    let logger: Logger

    func run() async throws {
        guard let notifier else { return try await waitForShutdown() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if await isReady() {
                send(["READY=1", "STATUS=\(status)"], through: notifier)
                break
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        try await waitForShutdown()
        send(["STOPPING=1"], through: notifier)
    }

    private func waitForShutdown() async throws {
        try? await gracefulShutdown()
    }

    private func send(_ fields: [String], through notifier: SystemdNotifier) {
        do {
            try notifier.notify(fields)
            logger.debug("told the service manager", metadata: ["fields": "\(fields.joined(separator: " "))"])
        } catch {
            logger.warning("cannot notify the service manager", metadata: ["error": "\(error)"])
        }
    }
}
