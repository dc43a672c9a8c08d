import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 endpoint on 127.0.0.1: answers every request with its name, the request
/// path, the body length it read, and the forwarding headers it saw; counts connections; on an
/// upgrade request answers 101 and then echoes bytes.
final class TestBackend: Sendable {
    let name: String
    let channel: any Channel
    private let connections: Counter

    var port: Int { channel.localAddress?.port ?? 0 }
    /// Connections accepted so far.
    var connectionCount: Int { connections.value.load(ordering: .relaxed) }

    private init(name: String, channel: any Channel, connections: Counter) {
        self.name = name
        self.channel = channel
        self.connections = connections
    }

    static func start(_ name: String) async throws -> TestBackend {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counter.value.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(HTTPResponseEncoder(), name: "encoder")
                    try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)), name: "decoder")
                    try pipeline.addHandler(Handler(name: name), name: "handler")
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestBackend(name: name, channel: channel, connections: counter)
    }

    func stop() async {
        try? await channel.close()
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let name: String
        var head: HTTPRequestHead?
        var bodyBytes = 0

        init(name: String) { self.name = name }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                bodyBytes = 0
                if head.headers["expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
                }
            case .body(let buffer):
                bodyBytes += buffer.readableBytes
            case .end:
                guard let head else { return }
                if head.headers.contains(name: "upgrade") {
                    upgrade(context, head)
                    return
                }
                var lines = ["backend: \(name)", "path: \(head.uri)", "body: \(bodyBytes)"]
                for header in ["host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-real-ip", "connection", "te"] {
                    lines.append("\(header): \(head.headers[header].joined(separator: "|"))")
                }
                let text = lines.joined(separator: "\n") + "\n"
                let headers = HTTPHeaders([("content-length", String(text.utf8.count)), ("keep-alive", "timeout=5")])
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }

        func upgrade(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
            let headers = HTTPHeaders([("connection", "upgrade"), ("upgrade", head.headers["upgrade"].first ?? "")])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))), promise: nil)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenSuccess {
                channel.eventLoop.assumeIsolated().execute {
                let pipeline = channel.pipeline.syncOperations
                try? pipeline.addHandler(Echo())
                for name in ["handler", "encoder", "decoder"] { pipeline.removeHandler(name: name, promise: nil) }
                }
            }
        }
    }

    final class Echo: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            context.writeAndFlush(data, promise: nil)
        }
    }
}
