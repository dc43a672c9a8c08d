import Synchronization

/// Gives the proxy the current routes (read once per request).
public protocol IngressRouteProvider: Sendable {
    /// The routes now.
    var currentTable: IngressRouteTable { get }
}

/// Routes set by hand: tests and the benchmark, with no API server.
public final class FixedIngressRoutes: IngressRouteProvider {
    private let table: Mutex<IngressRouteTable>

    /// Starts with `table`.
    public init(_ table: IngressRouteTable = IngressRouteTable()) {
        self.table = Mutex(table)
    }

    public var currentTable: IngressRouteTable { table.withLock { $0 } }

    /// Replaces the routes.
    public func set(_ table: IngressRouteTable) {
        self.table.withLock { $0 = table }
    }
}
