import Logging
import NIOCore
import Synchronization

/// What every connection of one proxy shares: the routes, the certificates, and one connection
/// pool per event loop.
final class IngressProxyShared: Sendable {
    let routes: any IngressRouteProvider
    let certificates: IngressCertificateStore
    let configuration: IngressProxyConfiguration
    let logger: Logger
    private let pools = Mutex<[ObjectIdentifier: NIOLoopBound<BackendConnectionPool>]>([:])

    init(routes: any IngressRouteProvider, certificates: IngressCertificateStore, configuration: IngressProxyConfiguration, logger: Logger) {
        self.routes = routes
        self.certificates = certificates
        self.configuration = configuration
        self.logger = logger
    }

    /// The pool of `eventLoop`; call on that loop.
    func pool(for eventLoop: any EventLoop) -> BackendConnectionPool {
        let key = ObjectIdentifier(eventLoop)
        if let bound = pools.withLock({ $0[key] }) { return bound.value }
        let pool = BackendConnectionPool(
            eventLoop: eventLoop, maxIdlePerEndpoint: configuration.maxIdleConnectionsPerEndpoint,
            connectAttempts: configuration.connectAttempts, connectTimeout: configuration.connectTimeout)
        let made = NIOLoopBound(pool, eventLoop: eventLoop)
        let kept = pools.withLock { pools in
            if let existing = pools[key] { return existing }
            pools[key] = made
            return made
        }
        return kept.value
    }

    /// Backend connections opened so far, over every pool.
    func openedConnections() async -> Int {
        var total = 0
        for bound in pools.withLock({ Array($0.values) }) {
            total += (try? await bound.eventLoop.submit { bound.value.opened }.get()) ?? 0
        }
        return total
    }

    /// Closes every idle backend connection.
    func closeIdleConnections() async {
        for bound in pools.withLock({ Array($0.values) }) {
            try? await bound.eventLoop.submit { bound.value.closeIdle() }.get()
        }
    }
}
