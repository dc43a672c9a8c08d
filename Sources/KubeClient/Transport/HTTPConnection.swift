import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// One HTTP/1.1 keep-alive connection over TLS to the API server. It carries one exchange at a
/// time; the pool hands it to one request after another while the server keeps it open.
final class HTTPConnection: Sendable {
    /// The response to one exchange: the head, and the body as it arrives.
    struct Response: Sendable {
        var head: HTTPResponseHead
        var body: AsyncThrowingStream<[UInt8], any Error>
    }

    let channel: any Channel
    private let state: ConnectionState

    private init(channel: any Channel, state: ConnectionState) {
        self.channel = channel
        self.state = state
    }

    /// Whether another exchange may use the connection (open, idle, and the server did not ask
    /// to close it).
    var isReusable: Bool { channel.isActive && state.isReusable }

    /// Opens a connection and completes the TLS handshake.
    ///
    /// - Throws: ``HTTPSTransportError/connectFailed(_:)`` or
    ///   ``HTTPSTransportError/tlsHandshakeFailed(_:)``.
    static func connect(to endpoint: ServerEndpoint, tls: NIOSSLContext, group: any EventLoopGroup) async throws -> HTTPConnection {
        let state = ConnectionState()
        let serverHostname = endpoint.hostIsIPAddress ? nil : endpoint.host
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let operations = channel.pipeline.syncOperations
                        try operations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverHostname))
                        try operations.addHTTPClientHandlers()
                        try operations.addHandler(HTTPExchangeHandler(state: state))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port)
                .get()
        } catch {
            throw HTTPSTransportError.connectFailed("\(endpoint): \(error)")
        }
        do {
            try await state.handshake.value()
        } catch {
            channel.close(promise: nil)
            throw HTTPSTransportError.tlsHandshakeFailed("\(endpoint): \(error)")
        }
        return HTTPConnection(channel: channel, state: state)
    }

    /// Sends one request and returns once the response head arrives; the body follows on the
    /// stream. Cancelling the stream's iteration closes the connection.
    ///
    /// - Throws: ``HTTPSTransportError/connectionClosed(_:)`` when the connection fails before
    ///   the response head.
    func execute(head: HTTPRequestHead, body: [UInt8]) async throws -> Response {
        state.beginExchange()
        let responseHead = OneShot<HTTPResponseHead>()
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        let channel = self.channel
        let state = self.state
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                state.markNotReusable()
                channel.close(promise: nil)
            }
        }
        let exchange = HTTPExchange(head: head, body: body, responseHead: responseHead, responseBody: continuation)
        channel.writeAndFlush(exchange).whenFailure { error in
            let failure = HTTPSTransportError.connectionClosed("cannot send the request: \(error)")
            responseHead.complete(.failure(failure))
            continuation.finish(throwing: failure)
        }
        return Response(head: try await responseHead.value(), body: stream)
    }

    /// Closes the connection.
    func close() {
        state.markNotReusable()
        channel.close(promise: nil)
    }
}

/// What the connection's handler and its owner share.
final class ConnectionState: Sendable {
    private let reusable = Mutex(true)
    private let busy = Mutex(false)
    /// Completed when the TLS handshake finishes or fails.
    let handshake = OneShot<Void>()

    var isReusable: Bool { reusable.withLock { $0 } && !busy.withLock { $0 } }
    func markNotReusable() { reusable.withLock { $0 = false } }
    func beginExchange() { busy.withLock { $0 = true } }
    func endExchange() { busy.withLock { $0 = false } }
}

/// One request and where its response goes.
struct HTTPExchange: Sendable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var responseHead: OneShot<HTTPResponseHead>
    var responseBody: AsyncThrowingStream<[UInt8], any Error>.Continuation
}

/// Writes an exchange's request and routes the response parts to it.
final class HTTPExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    private let state: ConnectionState
    private var current: HTTPExchange?
    private var handshakeDone = false

    init(state: ConnectionState) {
        self.state = state
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard current == nil else {
            let error = HTTPSTransportError.connectionClosed("the connection is busy")
            exchange.responseHead.complete(.failure(error))
            exchange.responseBody.finish(throwing: error)
            promise?.fail(error)
            return
        }
        current = exchange
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if !exchange.body.isEmpty {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: exchange.body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            // Informational answers (100 Continue) are followed by the real one.
            guard head.status.code >= 200 else { return }
            if !head.isKeepAlive { state.markNotReusable() }
            exchange.responseHead.complete(.success(head))
        case .body(let buffer):
            exchange.responseBody.yield(Array(buffer.readableBytesView))
        case .end:
            current = nil
            state.endExchange()
            exchange.responseBody.finish()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            handshakeDone = true
            state.handshake.complete(.success(()))
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(HTTPSTransportError.connectionClosed("the server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(HTTPSTransportError.connectionClosed("\(error)"), cause: error)
        context.close(promise: nil)
    }

    private func fail(_ error: HTTPSTransportError, cause: (any Error)? = nil) {
        state.markNotReusable()
        if !handshakeDone {
            state.handshake.complete(.failure(cause ?? error))
        }
        guard let exchange = current else { return }
        current = nil
        exchange.responseHead.complete(.failure(error))
        exchange.responseBody.finish(throwing: error)
    }
}
