import KubeAPI
import NIOCore
import NIOHTTP1
import NIOSSL
import X509

/// Reads HTTP/1.1 requests off one connection and answers them one at a time, each in a task of
/// its own (``KubeletServer/respond(_:_:)``); the task is cancelled when the client goes away.
/// A request that upgrades the connection hands it to the upgrade proxy, which removes this
/// handler.
final class KubeletHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let encoderName = "kubelet-http-encoder"
    static let decoderName = "kubelet-http-decoder"
    static let handlerName = "kubelet-http-handler"

    let server: KubeletServer
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    private var waiting: [KubeletRequest] = []
    private var running: Task<Void, Never>?
    private var inputClosed = false
    /// The verified client certificate's user: read once, after the handshake.
    private var certificateUser: KubeletUser??

    init(server: KubeletServer) {
        self.server = server
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = []
            bodyTooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > server.configuration.maxRequestBodyBytes {
                bodyTooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if bodyTooLarge {
                reject(context, .requestEntityTooLarge("the request body is larger than \(server.configuration.maxRequestBodyBytes) bytes"))
                return
            }
            guard let request = KubeletRequest(head: head, body: body, certificateUser: clientUser(context)) else {
                reject(context, .badRequest("malformed percent-encoding in the request target \(head.uri)"))
                return
            }
            body = []
            waiting.append(request)
            startNext(context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            if running == nil, waiting.isEmpty { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        running?.cancel()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError, running == nil {
            reject(context, .badRequest("malformed HTTP request: \(error)"))
        } else {
            context.close(promise: nil)
        }
    }

    /// Answers an unreadable request and closes the connection.
    private func reject(_ context: ChannelHandlerContext, _ error: StatusError) {
        let response = KubeletResponse.status(error)
        var headers = response.headers
        headers.replaceOrAdd(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: error.code), headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: response.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func startNext(_ context: ChannelHandlerContext) {
        guard running == nil, !waiting.isEmpty else { return }
        let request = waiting.removeFirst()
        // The decoder stops after an upgrade request, so a connection whose upgrade is refused
        // cannot carry another request.
        let exchange = KubeletExchange(
            channel: context.channel, keepAlive: request.head.isKeepAlive && !inputClosed && !request.isUpgrade,
            headRequest: request.head.method == .HEAD)
        let server = self.server
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        running = Task {
            await server.respond(request, exchange)
            loop.execute { handler.value.finished(boundContext.value, exchange) }
        }
    }

    private func finished(_ context: ChannelHandlerContext, _ exchange: KubeletExchange) {
        running = nil
        guard !exchange.isUpgraded else { return }
        if !exchange.keepAlive || inputClosed || !exchange.isComplete {
            context.close(promise: nil)
            return
        }
        startNext(context)
    }

    /// The user named by the connection's verified client certificate: CN and O's.
    private func clientUser(_ context: ChannelHandlerContext) -> KubeletUser? {
        if let certificateUser { return certificateUser }
        let peer = try? context.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate
        let user = peer.flatMap { try? $0.toDERBytes() }.flatMap { Self.user(certificateDER: $0) }
        certificateUser = .some(user)
        return user
    }

    /// The user a certificate names (subject CN; organizations as groups); `nil` when it does
    /// not parse or has no CN.
    static func user(certificateDER der: [UInt8]) -> KubeletUser? {
        guard let certificate = try? Certificate(derEncoded: der) else { return nil }
        let attributes = certificate.subject.flatMap { Array($0) }
        let names = attributes.filter { $0.type == .RDNAttributeType.commonName }.compactMap { String($0.value) }
        let groups = attributes.filter { $0.type == .RDNAttributeType.organizationName }.compactMap { String($0.value) }
        guard let name = names.last, !name.isEmpty else { return nil }
        return KubeletUser(name: name, groups: groups)
    }
}
