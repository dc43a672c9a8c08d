import NIOCore

/// One end of a byte splice between two channels on the same event loop: what one side reads,
/// the other writes. Reading pauses while the partner cannot write (backpressure); an EOF on one
/// side closes the partner's output (half-close), and once both sides have seen EOF, or either
/// closes, both channels close. Used by the kubelet's upgrade proxy and the ingress proxy.
public final class SpliceHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = ByteBuffer

    private var partner: SpliceHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false
    private var sawEOF = false

    /// Two handlers spliced to each other.
    public static func pair() -> (SpliceHandler, SpliceHandler) {
        let first = SpliceHandler()
        let second = SpliceHandler()
        first.partner = second
        second.partner = first
        return (first, second)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        partner = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        partner?.partnerWrite(data)
    }

    public func channelReadComplete(context: ChannelHandlerContext) {
        partner?.partnerFlush()
    }

    public func channelInactive(context: ChannelHandlerContext) {
        partner?.partnerClose()
        context.fireChannelInactive()
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            sawEOF = true
            partner?.partnerEndOutput()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    public func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { partner?.partnerBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    public func read(context: ChannelHandlerContext) {
        if let partner, partner.partnerWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    // MARK: Called by the partner (same event loop)

    private var partnerWritable: Bool { context?.channel.isWritable ?? false }

    private func partnerWrite(_ data: NIOAny) {
        context?.write(data, promise: nil)
    }

    private func partnerFlush() {
        context?.flush()
    }

    private func partnerBecameWritable() {
        if readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The partner's input ended: end this side's output, or close both when this side's input
    /// has ended too.
    private func partnerEndOutput() {
        guard let context else { return }
        if sawEOF {
            context.close(promise: nil)
            partner?.context?.close(promise: nil)
            return
        }
        context.flush()
        let promise = context.eventLoop.makePromise(of: Void.self)
        // A channel that cannot half-close closes instead.
        promise.futureResult.assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        context.close(mode: .output, promise: promise)
    }

    private func partnerClose() {
        context?.close(promise: nil)
    }
}
