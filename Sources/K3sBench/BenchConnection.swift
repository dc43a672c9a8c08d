import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Where an API server is and how to authenticate to it.
struct BenchTarget: Sendable {
    var host: String
    var port: Int
    /// Trusted CA certificates (PEM).
    var caPEM: [UInt8]
    /// Client certificate and key (PEM), when authenticating with a certificate.
    var clientCertificatePEM: [UInt8]?
    var clientKeyPEM: [UInt8]?
    /// Bearer token, when authenticating with a token.
    var bearerToken: String?

    /// The TLS context every connection shares.
    func makeTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(caPEM))
        configuration.certificateVerification = .noHostnameVerification
        configuration.applicationProtocols = ["http/1.1"]
        if let cert = clientCertificatePEM, let key = clientKeyPEM {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }
}

/// One keep-alive HTTP/1.1 connection over TLS, owned by one task: a request is written and
/// its whole response read before the next one. Watches use a connection of their own through
/// ``stream(path:onChunk:)``.
struct BenchConnection {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>

    private let outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>
    private var inbound: NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator
    private let allocator: ByteBufferAllocator
    private let host: String
    private let token: String?

    /// Opens a connection, runs `body` with it and closes it.
    static func with<T>(
        _ target: BenchTarget, tls: NIOSSLContext, group: any EventLoopGroup,
        _ body: (inout BenchConnection) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: target.host, port: target.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = try NIOSSLClientHandler(context: tls, serverHostname: nil)
                    try channel.pipeline.syncOperations.addHandler(handler)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = BenchConnection(
                outbound: outbound, inbound: inbound.makeAsyncIterator(), allocator: channel.channel.allocator,
                host: target.host, token: target.bearerToken)
            return try await body(&connection)
        }
    }

    /// Sends one request and returns the status and the whole body.
    mutating func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> (status: Int, body: [UInt8]) {
        var status = 0
        var collected: [UInt8] = []
        try await exchange(method, path, body: body) { part in
            switch part {
            case .head(let head): status = Int(head.status.code)
            case .body(let buffer): collected.append(contentsOf: buffer.readableBytesView)
            case .end: break
            }
            return true
        }
        return (status, collected)
    }

    /// Sends a GET, calls `onHead` when the response starts, and hands each body chunk to
    /// `onChunk` until it returns `false` (the connection can then not be used again), the
    /// response ends, or the connection closes.
    mutating func stream(path: String, onHead: () -> Void, onChunk: (ByteBuffer) -> Bool) async throws {
        try await exchange(.GET, path, body: nil) { part in
            switch part {
            case .head: onHead()
            case .body(let buffer): return onChunk(buffer)
            case .end: break
            }
            return true
        }
    }

    private mutating func exchange(_ method: HTTPMethod, _ path: String, body: [UInt8]?, onPart: (HTTPClientResponsePart) -> Bool) async throws {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Accept", value: "application/json")
        head.headers.add(name: "User-Agent", value: "k3s-bench")
        if let token { head.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: String(body.count))
        }
        var parts: [HTTPClientRequestPart] = [.head(head)]
        if let body { parts.append(.body(.byteBuffer(allocator.buffer(bytes: body)))) }
        parts.append(.end(nil))
        try await outbound.write(contentsOf: parts)
        while let part = try await inbound.next() {
            let more = onPart(part)
            if case .end = part { return }
            if !more { return }
        }
        throw BenchError("the server closed the connection")
    }
}
