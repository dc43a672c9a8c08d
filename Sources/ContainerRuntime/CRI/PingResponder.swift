import NIOCore
import Synchronization

/// Answers the runtime's HTTP/2 PING frames itself, below swift-nio-http2, so they do not count
/// against swift-nio-http2's limit on inbound control frames.
///
/// Why: containerd's gRPC server (grpc-go) estimates the bandwidth-delay product of every
/// connection. Whenever a DATA frame arrives and no estimate is in flight, it sends a connection
/// WINDOW_UPDATE and a PING and times the ACK; a client that makes one unary call after another
/// gets one PING per call. swift-nio-http2 counts inbound PING and SETTINGS frames as a DoS signal
/// (`controlFrameRateLimit`: more than 200 within 30 seconds) and then closes the connection with
/// GOAWAY `ENHANCE_YOUR_CALM`, so the client lost its connection after about 200 calls.
/// grpc-swift-nio-transport does not expose that limit. A PING only asks for its ACK with the same
/// eight bytes (RFC 9113 § 6.7), which this handler sends; ACKs of the client's own PINGs
/// (keepalive) and every other frame pass through unchanged. The handler sits first in the
/// connection's pipeline and works on whole frames (it holds back the bytes of an incomplete
/// frame until the rest arrives).
final class PingResponder: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private static let frameHeaderLength = 9
    private static let pingType: UInt8 = 6
    private static let ackFlag: UInt8 = 1

    private var pending: ByteBuffer?
    private let statistics: ConnectionStatistics
    private let answersPings: Bool

    init(statistics: ConnectionStatistics, answersPings: Bool = true) {
        self.statistics = statistics
        self.answersPings = answersPings
    }

    func channelActive(context: ChannelHandlerContext) {
        statistics.connections.add(1, ordering: .relaxed)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if var held = pending {
            held.writeBuffer(&incoming)
            incoming = held
            pending = nil
        }
        var forward = context.channel.allocator.buffer(capacity: incoming.readableBytes)
        var acks: ByteBuffer?
        while incoming.readableBytes >= Self.frameHeaderLength {
            let start = incoming.readerIndex
            let length = Int(incoming.getInteger(at: start, as: UInt8.self)!) << 16 | Int(incoming.getInteger(at: start + 1, as: UInt16.self)!)
            guard incoming.readableBytes >= Self.frameHeaderLength + length else { break }
            let type = incoming.getInteger(at: start + 3, as: UInt8.self)!
            let flags = incoming.getInteger(at: start + 4, as: UInt8.self)!
            var frame = incoming.readSlice(length: Self.frameHeaderLength + length)!
            if answersPings, type == Self.pingType, flags & Self.ackFlag == 0, length == 8 {
                // The ACK is the same frame with the ACK flag set.
                frame.setInteger(flags | Self.ackFlag, at: frame.readerIndex + 4)
                if acks == nil { acks = context.channel.allocator.buffer(capacity: frame.readableBytes) }
                acks!.writeBuffer(&frame)
                statistics.pings.add(1, ordering: .relaxed)
            } else {
                forward.writeBuffer(&frame)
            }
        }
        if incoming.readableBytes > 0 {
            var rest = context.channel.allocator.buffer(capacity: incoming.readableBytes)
            rest.writeBuffer(&incoming)
            pending = rest
        }
        if forward.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(forward)) }
        if let acks { context.writeAndFlush(wrapOutboundOut(acks), promise: nil) }
    }
}
