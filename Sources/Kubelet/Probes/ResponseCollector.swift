import NIOCore
import NIOHTTP1

/// A response as read by `ResponseCollector`: head, the start of the body and the trailers.
struct CollectedResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var trailers: HTTPHeaders?
}

/// Reads one HTTP response (HTTP/1.1, or an HTTP/2 stream through the HTTP/1 codec) into a
/// promise: head, up to `limit` body bytes, trailers. A connection that ends first fails it.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<CollectedResponse>
    private let limit: Int
    private var response = CollectedResponse(status: 0, headers: HTTPHeaders(), body: [])
    private var done = false

    init(promise: EventLoopPromise<CollectedResponse>, limit: Int) {
        self.promise = promise
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            response.status = Int(head.status.code)
            response.headers = head.headers
        case .body(let buffer):
            let room = limit - response.body.count
            if room > 0 { response.body += buffer.readableBytesView.prefix(room) }
        case .end(let trailers):
            response.trailers = trailers
            finish(.success(response))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ProbeDialError(.other, "EOF")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(ProbeDialError(.other, "\(error)")))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<CollectedResponse, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}
