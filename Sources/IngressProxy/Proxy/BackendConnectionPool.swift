import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive HTTP/1.1 connections to endpoints, for one event loop (used only on it): an idle
/// connection to the chosen endpoint is reused, otherwise a new one is made; at most
/// `maxIdlePerEndpoint` idle connections are kept per endpoint.
///
/// Endpoints are taken round robin per Service port; a connect that fails (refused, timed out)
/// moves on to the next endpoint, up to `connectAttempts` tries.
final class BackendConnectionPool {
    /// A connection ready for one request.
    struct Connection {
        let channel: any Channel
        let handler: IngressBackendHandler
        let address: SocketAddress
    }

    let eventLoop: any EventLoop
    let maxIdlePerEndpoint: Int
    let connectAttempts: Int
    let connectTimeout: TimeAmount
    private var idle: [SocketAddress: [Connection]] = [:]
    private var turns: [String: Int] = [:]
    /// Connections opened so far (for tests and the benchmark).
    private(set) var opened = 0

    init(eventLoop: any EventLoop, maxIdlePerEndpoint: Int, connectAttempts: Int, connectTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.maxIdlePerEndpoint = maxIdlePerEndpoint
        self.connectAttempts = connectAttempts
        self.connectTimeout = connectTimeout
    }

    /// Finds or makes a connection to one of `target`'s endpoints; `completion` runs on the
    /// event loop, possibly before this returns.
    func acquire(_ target: IngressBackendTarget, completion: @escaping (Result<Connection, any Error>) -> Void) {
        let start = turns[target.balancingKey, default: 0]
        turns[target.balancingKey] = start &+ 1
        attempt(0, start: start, endpoints: target.endpoints, lastError: nil, completion: completion)
    }

    /// Puts a connection whose exchange ended cleanly back for reuse.
    func release(_ connection: Connection) {
        connection.handler.exchange = nil
        guard connection.channel.isActive, idle[connection.address, default: []].count < maxIdlePerEndpoint else {
            connection.channel.close(promise: nil)
            return
        }
        idle[connection.address, default: []].append(connection)
    }

    /// Closes every idle connection.
    func closeIdle() {
        let all = idle.values.flatMap { $0 }
        idle.removeAll()
        for connection in all { connection.channel.close(promise: nil) }
    }

    private func attempt(
        _ number: Int, start: Int, endpoints: [SocketAddress], lastError: (any Error)?,
        completion: @escaping (Result<Connection, any Error>) -> Void
    ) {
        guard !endpoints.isEmpty, number < max(1, connectAttempts) else {
            completion(.failure(lastError ?? ChannelError.connectPending))
            return
        }
        let address = endpoints[(start &+ number) % endpoints.count]
        if let reused = takeIdle(address) {
            completion(.success(reused))
            return
        }
        connect(address).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                do {
                    let handler = try channel.pipeline.syncOperations.handler(type: IngressBackendHandler.self)
                    self.opened += 1
                    channel.closeFuture.assumeIsolated().whenComplete { _ in self.forget(channel, address) }
                    completion(.success(Connection(channel: channel, handler: handler, address: address)))
                } catch {
                    channel.close(promise: nil)
                    completion(.failure(error))
                }
            case .failure(let error):
                self.attempt(number + 1, start: start, endpoints: endpoints, lastError: error, completion: completion)
            }
        }
    }

    private func takeIdle(_ address: SocketAddress) -> Connection? {
        while let connection = idle[address]?.popLast() {
            if connection.channel.isActive { return connection }
        }
        return nil
    }

    private func forget(_ channel: any Channel, _ address: SocketAddress) {
        idle[address]?.removeAll { $0.channel === channel }
    }

    private func connect(_ address: SocketAddress) -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.maxMessagesPerRead, value: 1)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(HTTPRequestEncoder(), name: "http-encoder")
                    try pipeline.addHandler(ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .forwardBytes, informationalResponseStrategy: .forward)), name: "http-decoder")
                    try pipeline.addHandler(IngressBackendHandler(), name: "backend")
                }
            }
            .connect(to: address)
    }
}
