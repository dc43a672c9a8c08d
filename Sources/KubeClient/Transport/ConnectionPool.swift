import NIOCore
import NIOSSL

/// Keeps idle keep-alive connections to one endpoint for reuse, up to a limit.
actor ConnectionPool {
    private let endpoint: ServerEndpoint
    private let tls: NIOSSLContext
    private let group: any EventLoopGroup
    private let maxIdle: Int
    private var idle: [HTTPConnection] = []
    private var closed = false

    init(endpoint: ServerEndpoint, tls: NIOSSLContext, group: any EventLoopGroup, maxIdle: Int) {
        self.endpoint = endpoint
        self.tls = tls
        self.group = group
        self.maxIdle = maxIdle
    }

    deinit {
        for connection in idle { connection.close() }
    }

    /// An idle connection (`reused` true) or a new one.
    func acquire() async throws -> (connection: HTTPConnection, reused: Bool) {
        while let connection = idle.popLast() {
            if connection.isReusable { return (connection, true) }
            connection.close()
        }
        return (try await HTTPConnection.connect(to: endpoint, tls: tls, group: group), false)
    }

    /// A new connection that is never pooled (for streams).
    func dedicated() async throws -> HTTPConnection {
        try await HTTPConnection.connect(to: endpoint, tls: tls, group: group)
    }

    /// Returns a connection after its exchange finished; closes it if it cannot be reused or the
    /// pool is full.
    func release(_ connection: HTTPConnection) {
        guard !closed, connection.isReusable, idle.count < maxIdle else {
            connection.close()
            return
        }
        idle.append(connection)
    }

    /// Closes every idle connection; later releases close theirs.
    func shutdown() {
        closed = true
        for connection in idle { connection.close() }
        idle.removeAll()
    }

    /// The number of idle connections (for tests).
    var idleCount: Int { idle.count }
}
