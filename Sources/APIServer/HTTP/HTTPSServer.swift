import HTTPTypes
import KubeClient
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOHTTPTypesHTTP2
import NIOPosix
import NIOSSL
import Synchronization

/// The API server's HTTPS listener: TLS (with optional client certificates), HTTP/2 and HTTP/1.1
/// negotiated by ALPN, each request collected (up to a size limit) into an ``APIRequest`` and
/// answered by an ``APIHandler``.
///
/// Use: create it, optionally ``bind()`` to learn the port, then ``run()`` until the task is
/// cancelled (hard stop) or ``shutdown()`` is called (stop accepting, let in-flight requests
/// finish within ``Configuration/shutdownGracePeriod``, end streamed responses).
public final class HTTPSServer: Sendable {
    typealias RequestChannel = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    struct HTTP1Connection: Sendable {
        var channel: RequestChannel
        var context: ConnectionContext
    }

    struct HTTP2Connection: Sendable {
        var channel: any Channel
        var context: ConnectionContext
        var streams: NIOHTTP2Handler.AsyncStreamMultiplexer<RequestChannel>
    }

    typealias Negotiated = NIONegotiatedHTTPVersion<HTTP1Connection, HTTP2Connection>
    typealias Listener = NIOAsyncChannel<EventLoopFuture<Negotiated>, Never>

    private enum State {
        case idle
        case binding
        case bound(Listener)
        case running(any Channel)
        case stopped
    }

    /// The configuration the server was created with.
    public let configuration: Configuration
    let handler: any APIHandler
    let logger: Logger
    let eventLoopGroup: any EventLoopGroup
    let sslContext: NIOSSLContext
    let shutdownLatch = Latch()
    let connections = ConnectionRegistry()
    let flushQueues = WatchFlushQueue.Registry()
    private let state = Mutex<State>(.idle)
    private let boundAddress = Mutex<SocketAddress?>(nil)

    /// Creates a server; nothing is bound until ``bind()`` or ``run()``.
    ///
    /// - Throws: ``HTTPSServerError`` when the TLS credentials cannot be read.
    public init(
        configuration: Configuration,
        handler: any APIHandler,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(HTTPSServerError) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.sslContext = try configuration.tls.makeServerContext()
    }

    /// The address the listener is bound to, once bound.
    public var localAddress: SocketAddress? {
        boundAddress.withLock { $0 }
    }

    /// The port the listener is bound to, once bound (the real one when configured with 0).
    public var port: Int? {
        localAddress?.port
    }

    /// Binds the listening socket (if not bound yet) and returns the bound port. Connections are
    /// accepted only once ``run()`` runs.
    ///
    /// - Throws: the socket error when the address cannot be bound; ``HTTPSServerError`` when
    ///   the server already runs, has stopped, or another `bind()` is under way.
    @discardableResult
    public func bind() async throws -> Int {
        let proceed: Bool = try state.withLock { state in
            switch state {
            case .idle:
                state = .binding
                return true
            case .bound:
                return false
            case .binding, .running, .stopped:
                throw HTTPSServerError.alreadyStarted
            }
        }
        if !proceed, let port { return port }

        let listener: Listener
        do {
            listener = try await makeListener()
        } catch {
            state.withLock { $0 = .idle }
            throw error
        }
        let address = listener.channel.localAddress
        boundAddress.withLock { $0 = address }
        let stillWanted = state.withLock { state -> Bool in
            guard case .binding = state else { return false }
            state = .bound(listener)
            return true
        }
        guard stillWanted else {
            try? await listener.channel.close()
            throw HTTPSServerError.shutDown
        }
        logger.info("HTTPS server listening", metadata: ["address": "\(address.map { "\($0)" } ?? "?")"])
        return address?.port ?? configuration.port
    }

    /// Serves connections until the task is cancelled or ``shutdown()`` is called; binds first if
    /// ``bind()`` was not called. Returns once every connection is closed.
    ///
    /// - Throws: the bind error; ``HTTPSServerError/alreadyStarted`` on a second call.
    public func run() async throws {
        if case .idle = state.withLock({ $0 }) {
            try await bind()
        }
        let listener: Listener = try state.withLock { state in
            guard case .bound(let listener) = state else {
                if case .stopped = state { throw HTTPSServerError.shutDown }
                throw HTTPSServerError.alreadyStarted
            }
            state = .running(listener.channel)
            return listener
        }
        defer { state.withLock { $0 = .stopped } }
        if shutdownLatch.isOpen {
            try? await listener.channel.close()
            return
        }

        let grace = configuration.shutdownGracePeriod
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.acceptConnections(listener)
            }
            group.addTask {
                // After a graceful shutdown starts, in-flight work gets `grace` to finish.
                await self.shutdownLatch.wait()
                guard !Task.isCancelled else { return }
                try? await Task.sleep(for: grace)
            }
            _ = try await group.next()
            group.cancelAll()
        }
        logger.info("HTTPS server stopped")
    }

    /// Starts a graceful shutdown: stops accepting connections, asks open connections to close
    /// once their current request is answered (HTTP/2 connections get a GOAWAY), and ends
    /// streamed responses (watches). ``run()`` returns when all connections are closed or the
    /// grace period is over. Safe to call more than once and from any task.
    public func shutdown() {
        shutdownLatch.open()
        let listenerChannel: (any Channel)? = state.withLock { state in
            switch state {
            case .bound(let listener): return listener.channel
            case .running(let channel): return channel
            case .binding:
                state = .stopped
                return nil
            case .idle:
                state = .stopped
                return nil
            case .stopped: return nil
            }
        }
        listenerChannel?.close(promise: nil)
        connections.quiesce()
    }

    private func acceptConnections(_ listener: Listener) async {
        await withDiscardingTaskGroup { group in
            do {
                try await listener.executeThenClose { inbound in
                    for try await negotiation in inbound {
                        group.addTask { await self.serveConnection(negotiation) }
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.error("HTTPS listener failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func serveConnection(_ negotiation: EventLoopFuture<Negotiated>) async {
        let negotiated: Negotiated
        do {
            negotiated = try await negotiation.get()
        } catch {
            logger.debug("TLS connection setup failed", metadata: ["error": "\(error)"])
            return
        }
        switch negotiated {
        case .http1_1(let connection):
            await serveHTTP1(connection)
        case .http2(let connection):
            await serveHTTP2(connection)
        }
    }
}
