import NIOCore

/// Answers the queries of one UDP socket, reading the index of its event loop.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let processor: DNSQueryProcessor
    let index: NIOLoopBoundBox<DNSRecordIndex>
    private var pendingFlush = false

    init(processor: DNSQueryProcessor, index: NIOLoopBoundBox<DNSRecordIndex>) {
        self.processor = processor
        self.index = index
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        let client = envelope.remoteAddress
        switch processor.process(bytes, index: index.value, tcp: false, on: context.eventLoop) {
        case .now(let reply):
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: client, data: context.channel.allocator.buffer(bytes: reply))), promise: nil)
            pendingFlush = true
        case .later(let future):
            let channel = context.channel
            future.whenSuccess { reply in
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: channel.allocator.buffer(bytes: reply)), promise: nil)
            }
        case .drop:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingFlush {
            pendingFlush = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A send to a vanished client (ICMP unreachable) must not stop the socket.
    }
}

/// Answers the length-prefixed queries of one TCP connection; closes it when idle.
final class DNSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer

    let processor: DNSQueryProcessor
    let index: NIOLoopBoundBox<DNSRecordIndex>

    init(processor: DNSQueryProcessor, index: NIOLoopBoundBox<DNSRecordIndex>) {
        self.processor = processor
        self.index = index
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        switch processor.process(bytes, index: index.value, tcp: true, on: context.eventLoop) {
        case .now(let reply):
            context.writeAndFlush(wrapOutboundOut(Self.frame(reply, context.channel.allocator)), promise: nil)
        case .later(let future):
            let channel = context.channel
            future.whenSuccess { reply in channel.writeAndFlush(Self.frame(reply, channel.allocator), promise: nil) }
        case .drop:
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    static func frame(_ reply: [UInt8], _ allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: reply.count + 2)
        buffer.writeInteger(UInt16(reply.count))
        buffer.writeBytes(reply)
        return buffer
    }
}
