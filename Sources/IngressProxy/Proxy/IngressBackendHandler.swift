import NIOCore
import NIOHTTP1

/// The proxy's end of a connection to an endpoint: hands the response to the request being
/// served (``exchange``) and holds reads while the client cannot take more.
final class IngressBackendHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// The client request using the connection; `nil` while it idles in the pool.
    weak var exchange: IngressFrontendHandler?
    private var context: ChannelHandlerContext?
    private var readPending = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange else {
            // An idle connection has nothing to say: whatever it is, the connection is done.
            context.close(promise: nil)
            return
        }
        exchange.backendReceived(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        exchange?.backendReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        exchange?.backendClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        exchange?.backendWritabilityChanged(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if let exchange, !exchange.clientIsWritable {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Sends part of the request (unflushed).
    func send(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    /// Flushes what ``send(_:)`` wrote.
    func flush() {
        context?.flush()
    }

    /// Reads again if a read was held back.
    func resumeReading() {
        guard readPending, let context else { return }
        readPending = false
        context.read()
    }
}
