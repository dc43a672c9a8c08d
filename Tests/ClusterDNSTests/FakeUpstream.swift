import KubeAPI
import NIOCore
import NIOPosix
import Synchronization

@testable import ClusterDNS

/// A resolver on 127.0.0.1 (UDP and TCP, one port) that answers A queries from a table, NXDOMAIN
/// otherwise, or never answers when `silent`.
final class FakeUpstream: Sendable {
    let channels: [any Channel]
    let address: SocketAddress
    let queries = Atomic<Int>(0)

    private init(channels: [any Channel], address: SocketAddress) {
        self.channels = channels
        self.address = address
    }

    static func start(records: [DNSName: IPAddress], silent: Bool = false) async throws -> FakeUpstream {
        let counter = Mutex<FakeUpstream?>(nil)
        let answer: @Sendable ([UInt8]) -> [UInt8]? = { bytes in
            counter.withLock { $0 }?.queries.add(1, ordering: .relaxed)
            guard !silent, let query = try? DNSMessage.decode(bytes), let question = query.questions.first else { return nil }
            var response = query.response()
            response.recursionAvailable = true
            if let address = records[question.name] {
                if question.type == .a { response.answers = [DNSResourceRecord(name: question.name, ttl: 300, data: .a(address))] }
            } else {
                response.responseCode = .nameError
            }
            return try? response.encode()
        }
        let udp = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FakeUDPHandler(answer: answer)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = udp.localAddress!.port!
        let tcp = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FakeTCPHandler(answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        let upstream = FakeUpstream(channels: [udp, tcp], address: udp.localAddress!)
        counter.withLock { $0 = upstream }
        return upstream
    }

    func stop() async {
        for channel in channels { try? await channel.close() }
    }
}

final class FakeUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let answer: @Sendable ([UInt8]) -> [UInt8]?
    init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]?) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let reply = answer(Array(envelope.data.readableBytesView)) else { return }
        context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: reply))), promise: nil)
    }
}

final class FakeTCPHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer
    let answer: @Sendable ([UInt8]) -> [UInt8]?
    init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]?) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let reply = answer(unwrapInboundIn(data)) else { return }
        context.writeAndFlush(wrapOutboundOut(DNSTCPHandler.frame(reply, context.channel.allocator)), promise: nil)
    }
}
