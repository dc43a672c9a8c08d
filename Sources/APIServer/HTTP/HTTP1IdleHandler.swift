import NIOCore
import NIOHTTPTypes

/// Closes an HTTP/1.1 connection that carries no request for a whole timeout period. A request
/// in progress (including a long-running watch) keeps the connection open however long it takes.
///
/// It checks once per period instead of re-arming a timer per request, so an idle connection
/// closes between one and two periods after its last response.
final class HTTP1IdleHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let period: TimeAmount
    private var inFlight = 0
    private var active = false
    private var timer: Scheduled<Void>?

    init(period: TimeAmount) {
        self.period = period
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        if timer == nil { arm(context: context) }
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            inFlight += 1
            active = true
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            active = true
        }
        context.write(data, promise: promise)
    }

    private func arm(context: ChannelHandlerContext) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: period) {
            loopBoundSelf.value.tick(context: loopBoundContext.value)
        }
    }

    private func tick(context: ChannelHandlerContext) {
        timer = nil
        guard context.channel.isActive else { return }
        if inFlight == 0 && !active {
            context.close(promise: nil)
            return
        }
        active = false
        arm(context: context)
    }
}
