import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Opens the API server's connections to backends (kubelets, pods, services): one connection
/// per proxied request, closed when its response ends or its reader goes away.
struct BackendClient: Sendable {
    /// A streamed response: status, headers, and the body as it arrives.
    struct StreamedResponse: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: AsyncStream<[UInt8]>
    }

    /// One request: method, the already encoded target (`/path?query`), headers and body.
    struct Request: Sendable {
        var method: String
        var target: String
        var headers: [(name: String, value: String)]
        var body: [UInt8] = []
    }

    let group: any EventLoopGroup
    let connectTimeout: TimeAmount
    /// How long a backend may take to answer with a response head.
    let responseTimeout: TimeAmount

    init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, connectTimeout: TimeAmount = .seconds(10),
        responseTimeout: TimeAmount = .seconds(60)
    ) {
        self.group = group
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
    }

    /// Fails `promise` and closes `channel` unless the promise completes within the response
    /// timeout.
    func armResponseTimeout<Value: Sendable>(_ promise: EventLoopPromise<Value>, channel: any Channel) {
        let timeout = responseTimeout
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(BackendResponseError(description: "no response within \(timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
    }

    /// Sends `request` and returns once the response head arrived; the body streams. Ending the
    /// iteration of the body early closes the connection.
    func stream(_ request: Request, to endpoint: BackendEndpoint) async throws -> StreamedResponse {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(connectTimeout)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let operations = channel.pipeline.syncOperations
                    if let tls = endpoint.tls {
                        try operations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: endpoint.serverHostname))
                    }
                    try operations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }

        var headers = HTTPHeaders(request.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Host", value: endpoint.authority)
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            headers.replaceOrAdd(name: "Content-Length", value: String(request.body.count))
        }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: request.target, headers: headers)
        let body = request.body
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        let headPromise = channel.channel.eventLoop.makePromise(of: HTTPResponseHead.self)
        armResponseTimeout(headPromise, channel: channel.channel)

        let task = Task {
            do {
                try await channel.executeThenClose { inbound, outbound in
                    try await outbound.write(.head(head))
                    if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    reading: for try await part in inbound {
                        switch part {
                        case .head(let response):
                            // Interim 1xx answers are not the response.
                            if (100..<200).contains(response.status.code) { continue }
                            headPromise.succeed(response)
                        case .body(let buffer):
                            continuation.yield(Array(buffer.readableBytesView))
                        case .end:
                            break reading
                        }
                    }
                }
                headPromise.fail(BackendResponseError(description: "the backend closed the connection without a response"))
            } catch {
                headPromise.fail(error)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        let responseHead: HTTPResponseHead
        do {
            responseHead = try await withTaskCancellationHandler {
                try await headPromise.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            task.cancel()
            throw error
        }
        return StreamedResponse(
            status: Int(responseHead.status.code),
            headers: responseHead.headers.map { (name: $0.name, value: $0.value) },
            body: stream)
    }
}
