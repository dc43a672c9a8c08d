import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One response as the tests read it.
struct TestResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: String

    /// The value of a `name: value` line of a ``TestBackend`` answer.
    func line(_ name: String) -> String? {
        for line in body.split(separator: "\n") where line.hasPrefix("\(name): ") {
            return String(line.dropFirst(name.count + 2))
        }
        return nil
    }
}

/// The certificate a TLS server presented.
final class PresentedCertificate: Sendable {
    let leaf = Mutex<NIOSSLCertificate?>(nil)
}

/// An HTTP/1.1 client connection to the proxy on loopback (optionally TLS with a server name),
/// sending requests one after the other.
final class TestHTTPConnection {
    private var iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>

    init(iterator: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) {
        self.iterator = iterator
        self.outbound = outbound
    }

    struct Closed: Error {}

    /// Connects to 127.0.0.1:`port`, runs `body`, closes.
    static func with<T: Sendable>(
        port: Int, serverName: String? = nil, presented: PresentedCertificate? = nil,
        _ body: (TestHTTPConnection) async throws -> T
    ) async throws -> T {
        // Verification on (so the callback sees the chain), the host name left to the test.
        let context = try serverName.map { _ in try TestTLS.clientContext(.noHostnameVerification) }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context, let serverName {
                        let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
                            presented?.leaf.withLock { $0 = certificates.first }
                            promise.succeed(.certificateVerified)
                        }
                        try channel.pipeline.syncOperations.addHandler(handler)
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            try await body(TestHTTPConnection(iterator: inbound.makeAsyncIterator(), outbound: outbound))
        }
    }

    /// One request; waits for the whole response.
    func send(
        _ method: HTTPMethod = .GET, _ path: String, host: String, headers extra: [(String, String)] = [], body: ByteBuffer? = nil
    ) async throws -> TestResponse {
        var headers = HTTPHeaders([("host", host)] + extra)
        if let body { headers.add(name: "content-length", value: String(body.readableBytes)) }
        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)))
        if let body { try await outbound.write(.body(.byteBuffer(body))) }
        try await outbound.write(.end(nil))
        var head: HTTPResponseHead?
        var collected = ByteBuffer()
        while let part = try await iterator.next() {
            switch part {
            case .head(let received): head = received
            case .body(var buffer): collected.writeBuffer(&buffer)
            case .end:
                guard let head else { throw Closed() }
                return TestResponse(status: head.status, headers: head.headers, body: String(buffer: collected))
            }
        }
        throw Closed()
    }

    /// `GET path` with `Host: host`, convenience for most tests.
    static func get(port: Int, host: String, _ path: String, headers: [(String, String)] = []) async throws -> TestResponse {
        try await with(port: port) { try await $0.send(.GET, path, host: host, headers: headers) }
    }
}
