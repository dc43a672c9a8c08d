import KubeClient
import Logging
import ServiceLifecycle

/// Runs a built-in reconciler in a `ServiceGroup`: `prepare` (making the definitions it needs)
/// once the API server answers, retried every second; then `pass` every `interval` until
/// graceful shutdown, with `events` written meanwhile.
struct ReconcileLoopService: Service {
    /// What is reconciled, for the logs (`manifests`, `plans`).
    let what: String
    let events: EventRecorder
    let interval: Duration
    let prepare: @Sendable () async throws -> Void
    let pass: @Sendable () async throws -> Void
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await events.run() }
                await loop()
                group.cancelAll()
            }
        }
    }

    private func loop() async {
        while !Task.isCancelled {
            do {
                try await prepare()
                break
            } catch {
                logger.warning("not ready to reconcile \(what) yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        while !Task.isCancelled {
            do {
                try await pass()
            } catch {
                logger.warning("\(what) not reconciled this round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
