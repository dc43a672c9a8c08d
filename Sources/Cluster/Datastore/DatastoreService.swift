import Datastore
import Logging
import ServiceLifecycle

/// Owns the server's datastore for the lifetime of a `ServiceGroup`: opens it when created,
/// keeps it open while the group runs, and closes it (ending every watch) on graceful shutdown.
public final class DatastoreService: Service {
    /// The open store that the other services use.
    public let store: any Datastore
    private let logger: Logger

    /// Wraps an already opened store.
    public init(store: any Datastore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// Opens the store an endpoint names, creating directories for a SQLite file as needed.
    public static func open(
        _ endpoint: DatastoreEndpoint,
        keyPrefix: String,
        logger: Logger
    ) async throws -> DatastoreService {
        let store: any Datastore
        switch endpoint {
        case .memory:
            store = InMemoryDatastore(keyPrefix: keyPrefix, logger: logger)
        case .sqlite(let path):
            try FileSystem.makeDirectories(FileSystem.parentDirectory(of: path), mode: 0o700)
            var configuration = SQLiteDatastore.Configuration(path: path)
            configuration.keyPrefix = keyPrefix
            store = try SQLiteDatastore(configuration: configuration, logger: logger)
        }
        let revision = try await store.currentRevision
        logger.info("datastore open", metadata: ["endpoint": "\(endpoint)", "revision": "\(revision)"])
        return DatastoreService(store: store, logger: logger)
    }

    public func run() async throws {
        // Nothing to drive: the store serves calls from other services until shutdown.
        try? await gracefulShutdown()
        logger.info("closing datastore")
        try await store.close()
    }
}
