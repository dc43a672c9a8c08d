import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Hands a client's upgrade request (SPDY/3.1 or WebSocket, any subprotocol) to the runtime's
/// streaming server and then splices the two connections byte for byte, both ways, until each
/// side has closed: the upstream's answer (`101 Switching Protocols`, or an error response) reaches
/// the client unchanged, and so does every frame after it. A half-close (EOF) on one side is
/// passed on as a half-close of the other.
enum UpgradeProxy {
    /// Request headers not passed upstream: the kubelet's own credentials check is done, and the
    /// streaming server must not see the client's token.
    static let droppedHeaders: Set<String> = ["authorization", "host", "proxy-authorization"]

    /// Connects to `target`, sends it the client's request head and splices the connections.
    ///
    /// - Throws: `StatusError` 500 when the streaming server cannot be reached (the client still
    ///   speaks HTTP and gets the error).
    static func run(exchange: KubeletExchange, request: KubeletRequest, target: StreamingTarget, logger: Logger) async throws {
        let client = exchange.channel
        let loop = client.eventLoop
        let upstream: any Channel
        do {
            upstream = try await ClientBootstrap(group: loop)
                .channelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                .connectTimeout(.seconds(10))
                .connect(host: target.host, port: target.port)
                .get()
        } catch {
            throw StatusError.internalError("error dialing the runtime's streaming server at \(target.hostHeader): \(error)")
        }
        let head = requestHead(request, target: target)
        exchange.markUpgraded()
        do {
            try await loop.submit { try splice(client: client, upstream: upstream, head: head) }.get()
        } catch {
            logger.warning("cannot splice the upgraded connection", metadata: ["error": "\(error)"])
            upstream.close(promise: nil)
            client.close(promise: nil)
        }
    }

    /// The request head sent upstream: the client's method, the streaming server's path (and
    /// query), the client's headers but for ``droppedHeaders``, and `Host` of the upstream.
    static func requestHead(_ request: KubeletRequest, target: StreamingTarget) -> ByteBuffer {
        var text = "\(request.head.method.rawValue) \(target.target) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
        for (name, value) in request.head.headers where !droppedHeaders.contains(name.lowercased()) {
            text += "\(name): \(value)\r\n"
        }
        text += "\r\n"
        var buffer = ByteBuffer(string: text)
        if !request.body.isEmpty { buffer.writeBytes(request.body) }
        return buffer
    }

    /// Replaces the client's HTTP handlers with one end of a splice and puts the other end on the
    /// upstream connection. Runs on the shared event loop, so that no byte is read in between.
    static func splice(client: any Channel, upstream: any Channel, head: ByteBuffer) throws {
        let (clientSide, upstreamSide) = SpliceHandler.pair()
        try upstream.pipeline.syncOperations.addHandler(upstreamSide)
        upstream.writeAndFlush(head, promise: nil)
        let pipeline = client.pipeline.syncOperations
        let decoder = try pipeline.context(name: KubeletHTTPHandler.decoderName)
        try pipeline.addHandler(clientSide, position: .after(decoder.handler))
        _ = client.pipeline.removeHandler(name: KubeletHTTPHandler.handlerName)
        _ = client.pipeline.removeHandler(name: KubeletHTTPHandler.encoderName)
        // Bytes the client sent after its request head come out of the decoder, as a read
        // without a read-complete: flush them on.
        client.pipeline.removeHandler(name: KubeletHTTPHandler.decoderName).whenComplete { _ in upstream.flush() }
        client.read()
        upstream.read()
    }
}
