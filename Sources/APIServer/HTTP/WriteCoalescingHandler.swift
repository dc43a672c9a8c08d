import NIOCore

/// Joins the small writes made between two flushes into one buffer, so the TLS handler below
/// it seals them into one record.
///
/// NIOSSL turns every write into at least one TLS record. An HTTP/1.1 chunk is three writes
/// (size line, data, CRLF) and an HTTP/2 DATA frame two (frame header, payload), so without
/// this each watch event reached each watcher as several records, each sealed, framed and
/// later opened on its own. Writes larger than ``passThroughSize`` (a large LIST body) are
/// passed on as they are, after whatever is pending, so they are never copied.
final class WriteCoalescingHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// Writes at least this big are not copied; pending bytes are also passed on once they
    /// reach it.
    static let passThroughSize = 64 * 1024

    private var pending: ByteBuffer?
    private var promises: [EventLoopPromise<Void>] = []

    init() {}

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var buffer) = unwrapOutboundIn(data),
              buffer.readableBytes < Self.passThroughSize
        else {
            writePending(context: context)
            context.write(data, promise: promise)
            return
        }
        guard var joined = pending.take() else {
            pending = buffer
            if let promise { promises.append(promise) }
            return
        }
        if joined.readableBytes + buffer.readableBytes > joined.capacity {
            // The first buffer is usually someone else's exactly-sized (and shared) bytes:
            // join into a fresh buffer with room for more.
            var grown = context.channel.allocator.buffer(capacity: max(4096, 2 * (joined.readableBytes + buffer.readableBytes)))
            grown.writeBuffer(&joined)
            joined = grown
        }
        joined.writeBuffer(&buffer)
        pending = joined
        if let promise { promises.append(promise) }
        if joined.readableBytes >= Self.passThroughSize { writePending(context: context) }
    }

    func flush(context: ChannelHandlerContext) {
        writePending(context: context)
        context.flush()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        writePending(context: context)
        context.close(mode: mode, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        writePending(context: context)
    }

    /// Passes the pending bytes on as one write whose outcome completes every promise given
    /// for them.
    private func writePending(context: ChannelHandlerContext) {
        guard let buffer = pending else { return }
        pending = nil
        let waiting = promises
        promises = []
        switch waiting.count {
        case 0:
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
        case 1:
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: waiting[0])
        default:
            let joined = context.eventLoop.makePromise(of: Void.self)
            for promise in waiting { joined.futureResult.cascade(to: promise) }
            context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: joined)
        }
    }
}
