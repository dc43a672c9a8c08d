import NIOCore

/// Splits a DNS-over-TCP stream into messages: each one after its 2-byte length (RFC 1035
/// 4.2.2).
struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
            buffer.readableBytes >= 2 + Int(length)
        else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        let bytes = buffer.readBytes(length: Int(length)) ?? []
        context.fireChannelRead(wrapInboundOut(bytes))
        return .continue
    }
}
