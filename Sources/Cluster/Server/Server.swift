import Datastore
import Logging
import ServiceLifecycle

/// The `k3s server` process: composes the control plane's services into one `ServiceGroup`,
/// started in order (datastore first) and stopped in reverse on SIGTERM or SIGINT.
///
/// Today the group holds the datastore; the API server, scheduler and controllers join it as
/// they are built.
public struct Server: Sendable {
    /// What the server was told to do.
    public let configuration: ServerConfiguration
    private let logger: Logger

    /// Creates a server from its configuration.
    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a shutdown signal arrives. `onReady` is called with the open datastore once
    /// every service has started.
    public func run(onReady: @Sendable (any Datastore) async -> Void = { _ in }) async throws {
        let datastore = try await DatastoreService.open(
            configuration.datastore,
            keyPrefix: configuration.keyPrefix,
            logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: datastore)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        logger.notice(
            "k3s server running: datastore ready (the API server arrives in a later release)",
            metadata: ["datastore": "\(configuration.datastore)", "data-dir": "\(configuration.dataDir)"]
        )
        await onReady(datastore.store)
        try await group.run()
    }
}
