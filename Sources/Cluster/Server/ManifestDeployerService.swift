import Logging
import ServiceLifecycle

/// Runs a ``ManifestDeployer`` in the server's `ServiceGroup`: makes the Addon definition once the
/// API server answers (retrying every second until it does), then deploys the manifests
/// directory every `interval` until graceful shutdown, writing the Addons' events meanwhile.
struct ManifestDeployerService: Service {
    let deployer: ManifestDeployer
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await deployer.events.run() }
                await loop()
                group.cancelAll()
            }
        }
    }

    private func loop() async {
        while !Task.isCancelled {
            do {
                try await deployer.ensureDefinition()
                break
            } catch {
                logger.warning("the Addon definition is not made yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        while !Task.isCancelled {
            do {
                try await deployer.sync()
            } catch {
                logger.warning("manifests not deployed this round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
