import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The ingress proxy's listeners: plain HTTP/1.1, and TLS with the certificate chosen by SNI
/// and HTTP/2 or HTTP/1.1 chosen by ALPN. Every request is routed by ``IngressRouteProvider``.
public final class IngressProxyServer: Sendable {
    /// A listener and the address it is bound to.
    public struct BoundListener: Sendable {
        /// The configured listener.
        public var listener: IngressProxyConfiguration.Listener
        /// The bound address (its port is the chosen one when the listener asked for 0).
        public var address: SocketAddress
    }

    private let shared: IngressProxyShared
    private let group: any EventLoopGroup
    private let channels = Mutex<[any Channel]>([])

    /// Creates a server; nothing listens until ``start()``.
    public init(
        configuration: IngressProxyConfiguration, routes: any IngressRouteProvider, certificates: IngressCertificateStore,
        group: any EventLoopGroup, logger: Logger
    ) {
        shared = IngressProxyShared(routes: routes, certificates: certificates, configuration: configuration, logger: logger)
        self.group = group
    }

    /// Binds every listener. An IPv6 listener that cannot bind because the host has no IPv6 is
    /// skipped with a warning; any other failure closes what was bound and throws.
    @discardableResult
    public func start() async throws -> [BoundListener] {
        var bound: [BoundListener] = []
        for listener in shared.configuration.listeners {
            do {
                let channel = try await bind(listener)
                channels.withLock { $0.append(channel) }
                if let address = channel.localAddress { bound.append(BoundListener(listener: listener, address: address)) }
            } catch let error as IOError where listener.host.contains(":") && (error.errnoCode == EAFNOSUPPORT || error.errnoCode == EADDRNOTAVAIL) {
                shared.logger.warning("ingress listener skipped: no IPv6 on this host", metadata: ["host": "\(listener.host)", "port": "\(listener.port)"])
            } catch {
                await stop()
                throw error
            }
        }
        shared.logger.info("ingress proxy listening", metadata: ["addresses": "\(bound.map { "\($0.address)" })"])
        return bound
    }

    /// Closes the listeners and the idle endpoint connections. Connections in progress finish
    /// on their own.
    public func stop() async {
        let open = channels.withLock { channels in
            defer { channels = [] }
            return channels
        }
        for channel in open { try? await channel.close() }
        await shared.closeIdleConnections()
    }

    /// Endpoint connections opened so far (the keep-alive pools reuse them).
    public func openedBackendConnections() async -> Int {
        await shared.openedConnections()
    }

    private func bind(_ listener: IngressProxyConfiguration.Listener) async throws -> any Channel {
        let shared = self.shared
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // One read per readiness event: requests and answers are small and come one at a
            // time, so a second read would almost always be an extra EAGAIN system call.
            .childChannelOption(.maxMessagesPerRead, value: 1)
        if listener.host.contains(":") {
            bootstrap = bootstrap.serverChannelOption(ChannelOptions.Types.SocketOption(level: .ipv6, name: .ipv6_v6only), value: 1)
        }
        let tls = listener.tls
        bootstrap = bootstrap.childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                if tls {
                    try Self.configureTLS(channel, shared: shared)
                } else {
                    try Self.configureHTTP1(channel, shared: shared, tls: false)
                }
            }
        }
        return try await bootstrap.bind(host: listener.host, port: listener.port).get()
    }

    /// The HTTP/1.1 server handlers, named so an upgrade can remove them.
    static func configureHTTP1(_ channel: any Channel, shared: IngressProxyShared, tls: Bool) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(IdleStateHandler(readTimeout: shared.configuration.clientIdleTimeout), name: "idle")
        try pipeline.addHandler(HTTPResponseEncoder(), name: "http-encoder")
        try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)), name: "http-decoder")
        try pipeline.addHandler(HTTPServerPipelineHandler(), name: "http-pipeline")
        try pipeline.addHandler(HTTPServerProtocolErrorHandler(), name: "http-errors")
        try pipeline.addHandler(IngressFrontendHandler(shared: shared, tls: tls, http2: false), name: "ingress")
    }

    /// Reads the TLS server name first, then adds TLS with that name's certificate, then picks
    /// HTTP/2 or HTTP/1.1 by ALPN.
    static func configureTLS(_ channel: any Channel, shared: IngressProxyShared) throws {
        let sni = SNIHandler { result in
            let name: String? = if case .hostname(let host) = result { host } else { nil }
            let context = shared.certificates.context(serverName: name, table: shared.routes.currentTable)
            return channel.eventLoop.makeCompletedFuture {
                let pipeline = channel.pipeline.syncOperations
                try pipeline.addHandler(NIOSSLServerHandler(context: context))
                try pipeline.addHandler(ApplicationProtocolNegotiationHandler { negotiated, channel in
                    channel.eventLoop.makeCompletedFuture {
                        if case .negotiated("h2") = negotiated {
                            try configureHTTP2(channel, shared: shared)
                        } else {
                            try configureHTTP1(channel, shared: shared, tls: true)
                        }
                    }
                })
            }
        }
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(sni))
    }

    static func configureHTTP2(_ channel: any Channel, shared: IngressProxyShared) throws {
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                let pipeline = stream.pipeline.syncOperations
                try pipeline.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try pipeline.addHandler(IngressFrontendHandler(shared: shared, tls: true, http2: true), name: "ingress")
            }
        }
    }
}
