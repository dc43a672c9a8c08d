/// Everything `k3s server` is told on its command line or in its config file.
///
/// Defaults match K3s so that users' habits carry over.
public struct ServerConfiguration: Sendable, Hashable {
    /// The default data directory, as in K3s.
    public static let defaultDataDir = "/var/lib/rancher/k3s"

    /// Where the server keeps its state (`--data-dir`).
    public var dataDir: String
    /// Where cluster state is stored (`--datastore-endpoint`).
    public var datastore: DatastoreEndpoint
    /// Every key the server stores begins with this prefix.
    public var keyPrefix: String

    /// Creates a configuration; the datastore defaults to SQLite under `dataDir`.
    public init(
        dataDir: String = ServerConfiguration.defaultDataDir,
        datastore: DatastoreEndpoint? = nil,
        keyPrefix: String = "/registry/"
    ) {
        self.dataDir = dataDir
        self.datastore = datastore ?? .sqlite(path: DatastoreEndpoint.defaultSQLitePath(dataDir: dataDir))
        self.keyPrefix = keyPrefix
    }
}
