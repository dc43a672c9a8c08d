import Logging
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The cluster DNS server: UDP and TCP on one address and port (in K3s, the `kube-dns` Service's
/// address, 10.43.0.10, port 53, on every node), answering from a ``DNSRecordSource`` through a
/// ``ClusterDNSResolver`` and forwarding other names to the upstream resolvers.
///
/// UDP answers fit 512 bytes or the client's EDNS size (TC set when answers were cut); TCP
/// answers are whole. One UDP socket per event loop (`SO_REUSEPORT`) spreads queries over the
/// cores; each event loop keeps its own copy of the current index, replaced when the source
/// publishes a new one, so answering a query takes no lock.
public final class ClusterDNSServer: Sendable {
    /// Where and how it listens.
    public struct Configuration: Sendable {
        /// The address to bind (`10.43.0.10`, `127.0.0.1`, `0.0.0.0`).
        public var host: String
        /// The port (53; 0 picks a free one, the same for UDP and TCP).
        public var port: Int
        /// The largest UDP answer, whatever the client's EDNS size (also what we advertise).
        public var maximumUDPPayload: Int
        /// A TCP connection with no query for this long is closed.
        public var tcpIdleTimeout: TimeAmount

        /// Creates a configuration.
        public init(host: String, port: Int = 53, maximumUDPPayload: Int = 1232, tcpIdleTimeout: TimeAmount = .seconds(10)) {
            self.host = host
            self.port = port
            self.maximumUDPPayload = maximumUDPPayload
            self.tcpIdleTimeout = tcpIdleTimeout
        }
    }

    /// A started server.
    public struct Running: Sendable {
        /// The UDP address queries are answered on.
        public let udpAddress: SocketAddress
        /// The TCP address.
        public let tcpAddress: SocketAddress
        let channels: [any Channel]
        let updates: Task<Void, Never>

        /// Closes the sockets and stops following the source.
        public func stop() async {
            updates.cancel()
            for channel in channels { try? await channel.close() }
            await updates.value
        }
    }

    let configuration: Configuration
    let processor: DNSQueryProcessor
    let source: any DNSRecordSource
    let group: any EventLoopGroup
    let logger: Logger

    /// Creates a server; nothing listens until ``start()`` or ``run()``.
    ///
    /// - Parameters:
    ///   - forwarder: where names outside the cluster go; `nil` answers them SERVFAIL.
    ///   - group: the event loops (one UDP socket each); `MultiThreadedEventLoopGroup.singleton`
    ///     by default.
    public init(
        configuration: Configuration, resolver: ClusterDNSResolver, source: any DNSRecordSource, forwarder: DNSForwarder?,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) {
        self.configuration = configuration
        processor = DNSQueryProcessor(resolver: resolver, forwarder: forwarder, maximumUDPPayload: max(512, configuration.maximumUDPPayload), logger: logger)
        self.source = source
        self.group = group
        self.logger = logger
    }

    /// Binds the UDP sockets and the TCP listener and starts answering.
    public func start() async throws -> Running {
        var loops: [any EventLoop] = []
        for loop in group.makeIterator() { loops.append(loop) }
        let initial = source.currentIndex
        let boxes = loops.map { NIOLoopBoundBox.makeBoxSendingValue(initial, eventLoop: $0) }
        var channels: [any Channel] = []
        do {
            var port = configuration.port
            for (loop, box) in zip(loops, boxes) {
                let processor = processor
                let channel = try await DatagramBootstrap(group: loop)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(ChannelOptions.Types.SocketOption(level: .init(rawValue: SOL_SOCKET), name: .init(rawValue: SO_REUSEPORT)), value: 1)
                    .channelOption(.datagramVectorReadMessageCount, value: 32)
                    .channelOption(.maxMessagesPerRead, value: 32)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(processor: processor, index: box))
                        }
                    }
                    .bind(host: configuration.host, port: port).get()
                channels.append(channel)
                if port == 0, let bound = channel.localAddress?.port { port = bound }
            }
            let byLoop = Dictionary(uniqueKeysWithValues: zip(loops.map { ObjectIdentifier($0) }, boxes))
            let processor = processor
            let idle = configuration.tcpIdleTimeout
            let listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        guard let box = byLoop[ObjectIdentifier(channel.eventLoop)] else { throw ChannelError.ioOnClosedChannel }
                        try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idle))
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(DNSTCPHandler(processor: processor, index: box))
                    }
                }
                .bind(host: configuration.host, port: port).get()
            channels.append(listener)
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        let source = source
        let targets = Array(zip(loops, boxes))
        let updates = Task {
            for await index in source.indexUpdates() {
                for (loop, box) in targets { loop.execute { box.value = index } }
            }
        }
        guard let udp = channels.first?.localAddress, let tcp = channels.last?.localAddress else { throw ChannelError.ioOnClosedChannel }
        logger.info("cluster DNS listening", metadata: ["udp": "\(udp)", "tcp": "\(tcp)", "sockets": "\(loops.count)"])
        return Running(udpAddress: udp, tcpAddress: tcp, channels: channels, updates: updates)
    }

    /// Serves until the calling task is cancelled.
    public func run() async throws {
        let running = try await start()
        let (cancelled, keepAlive) = AsyncStream<Never>.makeStream()
        await withTaskCancellationHandler {
            for await _ in cancelled {}
        } onCancel: {
            keepAlive.finish()
        }
        await running.stop()
    }
}
