import KubeClient
import Logging
import NIOCore
import NIOHTTP1

/// Serves the requests of one client connection (HTTP/1.1) or one HTTP/2 stream: routes each
/// request, answers 404/502/503 itself, or streams it to an endpoint over a pooled connection
/// and streams the answer back. Reads on either side pause while the other cannot take more.
///
/// An upgrade request (`Connection: upgrade`) answered `101` turns both connections into a
/// raw byte splice.
final class IngressFrontendHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        /// Waiting for a request head.
        case idle
        /// A connection to an endpoint is being made; request parts are buffered.
        case connecting
        /// Request and response flow between client and endpoint.
        case forwarding
        /// Answered locally (or the endpoint answered early): the rest of the request body is
        /// dropped.
        case draining
        /// Switched protocols: the HTTP handlers are on their way out.
        case upgraded
        case closed
    }

    private let shared: IngressProxyShared
    private let scheme: String
    private let isHTTP2: Bool
    private var context: ChannelHandlerContext?
    private var phase = Phase.idle
    private var backend: BackendConnectionPool.Connection?
    private var buffered: [HTTPClientRequestPart] = []
    private var requestEnded = false
    private var responseStarted = false
    private var clientKeepAlive = true
    private var backendKeepAlive = true
    private var upgradeRequested = false
    private var readPending = false
    /// Inside a burst of client reads: the backend is flushed once, at its read-complete.
    private var reading = false
    /// The endpoint connection pool of this handler's event loop.
    private var pool: BackendConnectionPool?

    init(shared: IngressProxyShared, tls: Bool, http2: Bool) {
        self.shared = shared
        self.scheme = tls ? "https" : "http"
        self.isHTTP2 = http2
    }

    /// Whether the client connection can take more response data now.
    var clientIsWritable: Bool { context?.channel.isWritable ?? true }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        pool = shared.pool(for: context.eventLoop)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Client side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reading = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            start(head, context: context)
        case .body(let buffer):
            forward(.body(.byteBuffer(buffer)))
        case .end(let trailers):
            requestEnded = true
            forward(.end(trailers))
            if phase == .draining { phase = .idle }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        if phase == .forwarding { backend?.handler.flush() }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        phase = .closed
        if let backend {
            backend.handler.exchange = nil
            backend.channel.close(promise: nil)
            self.backend = nil
        }
        buffered = []
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            // Nothing read for the idle timeout: close a connection that waits for its next request.
            if phase == .idle { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("ingress client connection failed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { backend?.handler.resumeReading() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        let blocked = phase == .connecting || (phase == .forwarding && !(backend?.channel.isWritable ?? true))
        if blocked {
            readPending = true
        } else {
            context.read()
        }
    }

    private func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }

    private func start(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        requestEnded = false
        responseStarted = false
        clientKeepAlive = isHTTP2 || head.isKeepAlive
        let host = head.headers.first(name: "host") ?? ""
        guard let target = shared.routes.currentTable.backend(host: host, path: head.uri) else {
            answer(.notFound, "404 page not found\n")
            return
        }
        guard !target.endpoints.isEmpty else {
            answer(.serviceUnavailable, "503 service unavailable: \(target.problem ?? "no endpoint")\n")
            return
        }
        upgradeRequested = !isHTTP2 && ForwardedHeaders.isUpgrade(head)
        let channel = context.channel
        let client = channel.remoteAddress ?? channel.parent?.remoteAddress
        let port = (channel.localAddress ?? channel.parent?.localAddress)?.port
        buffered = [.head(ForwardedHeaders.request(head, client: client, scheme: scheme, port: port, upgrade: upgradeRequested))]
        phase = .connecting
        (pool ?? shared.pool(for: context.eventLoop)).acquire(target) { [self] result in
            connected(result, target: target)
        }
    }

    private func connected(_ result: Result<BackendConnectionPool.Connection, any Error>, target: IngressBackendTarget) {
        switch result {
        case .success(let connection):
            guard phase == .connecting else {
                connection.channel.close(promise: nil)
                return
            }
            backend = connection
            connection.handler.exchange = self
            phase = .forwarding
            for part in buffered { connection.handler.send(part) }
            buffered = []
            if !reading { connection.handler.flush() }
            if connection.channel.isWritable { resumeReading() }
        case .failure(let error):
            guard phase == .connecting else { return }
            buffered = []
            shared.logger.debug("no endpoint accepted a connection", metadata: ["service": "\(target.service)", "error": "\(error)"])
            answer(.badGateway, "502 bad gateway: no endpoint of service \(target.service) accepted a connection\n")
            resumeReading()
        }
    }

    private func forward(_ part: HTTPClientRequestPart) {
        switch phase {
        case .connecting: buffered.append(part)
        case .forwarding: backend?.handler.send(part)
        case .idle, .draining, .upgraded, .closed: break
        }
    }

    /// Answers the current request with a short text, and drops the rest of its body.
    private func answer(_ status: HTTPResponseStatus, _ text: String) {
        guard let context else { return }
        phase = requestEnded ? .idle : .draining
        var headers = HTTPHeaders([("content-type", "text/plain; charset=utf-8"), ("content-length", String(text.utf8.count))])
        if !clientKeepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        finishResponse(nil, context: context)
    }

    private func finishResponse(_ trailers: HTTPHeaders?, context: ChannelHandlerContext) {
        let written = context.writeAndFlush(wrapOutboundOut(.end(trailers)))
        if !clientKeepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    // MARK: Endpoint side

    func backendReceived(_ part: HTTPClientResponsePart) {
        guard let context else { return }
        if phase == .upgraded {
            // The `101`'s end: switch once the answer is out.
            if case .end = part { finishUpgrade(context: context) }
            return
        }
        guard phase == .forwarding else { return }
        switch part {
        case .head(let response):
            if response.status.code < 200, response.status != .switchingProtocols {
                // `100 Continue` and friends: passed on to HTTP/1.1 clients, the final answer follows.
                if !isHTTP2 {
                    let head = HTTPResponseHead(version: .http1_1, status: response.status, headers: ForwardedHeaders.stripped(response.headers))
                    context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
                }
                return
            }
            responseStarted = true
            backendKeepAlive = response.isKeepAlive
            if response.status == .switchingProtocols, upgradeRequested {
                phase = .upgraded
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: response.headers))), promise: nil)
                return
            }
            // The request decoder stops parsing after an upgrade request: a refused upgrade
            // ends the client connection.
            if upgradeRequested { clientKeepAlive = false }
            var headers = ForwardedHeaders.stripped(response.headers)
            if !clientKeepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            if let connection = backend {
                backend = nil
                connection.handler.exchange = nil
                if backendKeepAlive, requestEnded {
                    (pool ?? shared.pool(for: context.eventLoop)).release(connection)
                } else {
                    connection.channel.close(promise: nil)
                }
            }
            phase = requestEnded ? .idle : .draining
            finishResponse(trailers, context: context)
            resumeReading()
        }
    }

    func backendReadComplete() {
        context?.flush()
    }

    func backendClosed() {
        guard phase == .forwarding, let context else { return }
        backend = nil
        if responseStarted {
            context.close(promise: nil)
        } else {
            answer(.badGateway, "502 bad gateway: the endpoint closed the connection\n")
            resumeReading()
        }
    }

    func backendWritabilityChanged(_ writable: Bool) {
        if writable, phase == .forwarding { resumeReading() }
    }

    // MARK: Upgrade

    /// Sends the end of the `101` and then, from a fresh event loop turn (no decoder is
    /// mid-delivery), joins the two connections. Both decoders hold back whatever follows an
    /// upgrade until they are removed.
    private func finishUpgrade(context: ChannelHandlerContext) {
        guard let connection = backend else { return }
        backend = nil
        let client = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { result in
            guard case .success = result else {
                connection.channel.close(promise: nil)
                client.close(promise: nil)
                return
            }
            client.eventLoop.assumeIsolated().execute {
                Self.splice(client: client, backend: connection)
            }
        }
    }

    /// Replaces the HTTP handlers of both channels with a byte splice. The decoders go last so
    /// the bytes they hold (sent right after the upgrade) reach the splice, as reads without a
    /// read-complete: both sides are flushed after.
    private static func splice(client: any Channel, backend: BackendConnectionPool.Connection) {
        let (clientEnd, backendEnd) = SpliceHandler.pair()
        do {
            let endpoint = backend.channel.pipeline.syncOperations
            try endpoint.addHandler(backendEnd)
            for name in ["backend", "http-encoder", "http-decoder"] { endpoint.removeHandler(name: name, promise: nil) }
            let front = client.pipeline.syncOperations
            try front.addHandler(clientEnd)
            for name in ["idle", "ingress", "http-errors", "http-pipeline", "http-encoder", "http-decoder"] { front.removeHandler(name: name, promise: nil) }
            client.flush()
            backend.channel.flush()
            client.read()
            backend.channel.read()
        } catch {
            backend.channel.close(promise: nil)
            client.close(promise: nil)
        }
    }
}
