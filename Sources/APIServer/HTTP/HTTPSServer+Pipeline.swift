import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOHTTPTypesHTTP2
import NIOPosix
import NIOSSL

extension HTTPSServer {
    /// Binds the listening socket; each accepted connection gets TLS, ALPN and then either the
    /// HTTP/1.1 or the HTTP/2 pipeline.
    func makeListener() async throws -> Listener {
        let configuration = self.configuration
        let sslContext = self.sslContext
        let connections = self.connections
        let handshakeTimeout = TimeAmount(configuration.handshakeTimeout)
        let idleTimeout = TimeAmount(configuration.idleTimeout)
        let http2Configuration = Self.http2Configuration(configuration)
        let connectionManagement = NIOHTTP2ServerConnectionManagementHandler.Configuration(
            maxIdleTime: idleTimeout,
            maxAge: nil,
            maxGraceTime: TimeAmount(configuration.shutdownGracePeriod),
            keepalive: nil)

        let http1Initializer: NIOChannelInitializerWithOutput<HTTP1Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.configureHTTPServerPipeline(withPipeliningAssistance: true, withErrorHandling: true)
                try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: true))
                try pipeline.addHandler(HTTP1IdleHandler(period: idleTimeout))
                let requests = try RequestChannel(wrappingChannelSynchronously: channel)
                return HTTP1Connection(channel: requests, context: ConnectionContext(channel: channel))
            }
        }
        let http2Initializer: NIOChannelInitializerWithOutput<HTTP2Connection> = { channel in
            channel.eventLoop.makeCompletedFuture {
                let streams = try channel.pipeline.syncOperations.configureAsyncHTTP2Pipeline(
                    mode: .server,
                    connectionManagerConfiguration: connectionManagement,
                    http2HandlerConfiguration: http2Configuration
                ) { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTPServerCodec())
                        return try RequestChannel(wrappingChannelSynchronously: stream)
                    }
                }
                return HTTP2Connection(channel: channel, context: ConnectionContext(channel: channel), streams: streams)
            }
        }

        return try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .bind(host: configuration.host, port: configuration.port) { channel in
                guard connections.register(channel) else {
                    return channel.close().flatMapThrowing { throw HTTPSServerError.shutDown }
                }
                do {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    try channel.pipeline.syncOperations.addHandler(WriteCoalescingHandler())
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                return channel.configureHTTP2AsyncSecureUpgrade(
                    http1ConnectionInitializer: http1Initializer,
                    http2ConnectionInitializer: http2Initializer
                ).map { negotiated in
                    // A client that never completes the handshake is dropped.
                    let timeout = channel.eventLoop.scheduleTask(in: handshakeTimeout) {
                        channel.close(promise: nil)
                    }
                    negotiated.whenComplete { _ in timeout.cancel() }
                    return negotiated
                }
            }
    }

    /// HTTP/2 settings: the stream limit from the configuration, 1 MiB windows so uploads and
    /// large lists are not throttled by flow control, and a 1 MiB header list limit.
    static func http2Configuration(_ configuration: Configuration) -> NIOHTTP2Handler.Configuration {
        var http2 = NIOHTTP2Handler.Configuration()
        let window = 1 << 20
        http2.connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentStreams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 1 << 20),
            HTTP2Setting(parameter: .initialWindowSize, value: window),
        ]
        http2.connection.targetWindowSize = window
        http2.stream.targetWindowSize = window
        http2.stream.outboundBufferSizeHighWatermark = 256 * 1024
        http2.stream.outboundBufferSizeLowWatermark = 128 * 1024
        return http2
    }
}
