import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL

/// The real `ProbeDialer`: connections from the kubelet's own network namespace (the node's),
/// which reaches pod IPs through the CNI bridge. HTTP is HTTP/1.1 with `Connection: close`;
/// HTTPS skips certificate verification, as upstream probes do; gRPC is a unary
/// `grpc.health.v1.Health/Check` over HTTP/2 with prior knowledge (h2c), written by hand on
/// swift-nio-http2 (one message each way: a length-prefixed protobuf with field 1).
public struct NIOProbeDialer: ProbeDialer {
    let group: any EventLoopGroup
    let tls: NIOSSLContext?

    /// Creates a dialer on `group` (default: the process's shared event loops).
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        self.tls = try? NIOSSLContext(configuration: configuration)
    }

    /// Connects and closes.
    public func tcpConnect(host: String, port: Int, timeout: Duration) async throws {
        let channel = try await connect(host: host, port: port, timeout: timeout) { channel in
            channel.eventLoop.makeSucceededVoidFuture()
        }
        try? await channel.close()
    }

    /// One `GET`, answered by the first response (10 KiB of body at most).
    public func httpGet(_ request: HTTPProbeRequest, timeout: Duration) async throws -> HTTPProbeResponse {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let promise = group.next().makePromise(of: CollectedResponse.self)
        let secure = request.scheme == "https"
        guard !secure || tls != nil else { throw ProbeDialError(.other, "TLS is not available") }
        let tls = self.tls
        let host = request.host
        let channel = try await connect(host: request.host, port: request.port, timeout: timeout) { channel in
            channel.eventLoop.makeCompletedFuture {
                if secure, let tls {
                    let name = host.contains(":") || host.allSatisfy({ $0.isNumber || $0 == "." }) ? nil : host
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: name))
                }
                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise, limit: 10 * 1024))
            }
        }
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            promise.fail(ProbeDialError(.timeout, "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: request.path)
        if !request.headers.contains(where: { $0.name?.lowercased() == "host" }) {
            head.headers.add(name: "Host", value: request.host.contains(":") ? "[\(request.host)]:\(request.port)" : "\(request.host):\(request.port)")
        }
        for header in request.headers {
            guard let name = header.name, !name.isEmpty else { continue }
            head.headers.add(name: name, value: header.value ?? "")
        }
        head.headers.add(name: "Connection", value: "close")
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let response = try await promise.futureResult.get()
        return HTTPProbeResponse(statusCode: response.status, location: response.headers.first(name: "location"), body: response.body)
    }

    /// One `grpc.health.v1.Health/Check` call over h2c.
    public func grpcHealthCheck(host: String, port: Int, service: String, timeout: Duration) async throws -> GRPCHealthAnswer {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let multiplexer = group.next().makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
        let channel = try await connect(host: host, port: port, timeout: timeout) { channel in
            channel.eventLoop.makeCompletedFuture {
                let mux = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                    mode: .client, connectionConfiguration: .init(), streamConfiguration: .init()
                ) { stream in stream.close() }
                multiplexer.succeed(mux)
            }
        }
        defer { channel.close(promise: nil) }
        let response = channel.eventLoop.makePromise(of: CollectedResponse.self)
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) {
            response.fail(ProbeDialError(.timeout, "context deadline exceeded"))
        }
        defer { timer.cancel() }
        let stream = try await multiplexer.futureResult.get().createStreamChannel { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ClientCodec(httpProtocol: .http))
                try stream.pipeline.syncOperations.addHandler(ResponseCollector(promise: response, limit: 4096))
            }
        }.get()
        var head = HTTPRequestHead(version: .http2, method: .POST, uri: "/grpc.health.v1.Health/Check")
        head.headers.add(name: "host", value: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        head.headers.add(name: "content-type", value: "application/grpc")
        head.headers.add(name: "te", value: "trailers")
        let (seconds, attoseconds) = timeout.components
        head.headers.add(name: "grpc-timeout", value: "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)m")
        stream.write(HTTPClientRequestPart.head(head), promise: nil)
        stream.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: GRPCHealthCodec.request(service: service)))), promise: nil)
        stream.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        let answer: CollectedResponse
        do {
            answer = try await response.futureResult.get()
        } catch let error as ProbeDialError where error.kind == .timeout {
            return GRPCHealthAnswer(grpcStatus: 4, grpcMessage: error.message)
        }
        let fields = answer.trailers ?? answer.headers
        guard let status = fields.first(name: "grpc-status").flatMap(Int.init) ?? answer.headers.first(name: "grpc-status").flatMap(Int.init)
        else {
            return GRPCHealthAnswer(grpcStatus: 2, grpcMessage: "no grpc-status (HTTP status \(answer.status))")
        }
        let message = fields.first(name: "grpc-message") ?? ""
        return GRPCHealthAnswer(
            grpcStatus: status, grpcMessage: message.removingPercentEncoding,
            servingStatus: status == 0 ? GRPCHealthCodec.servingStatus(fromResponse: answer.body) : nil)
    }

    // MARK: Connections

    private func connect(
        host: String, port: Int, timeout: Duration, _ initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) async throws -> any Channel {
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer(initializer)
                .connect(host: host, port: port).get()
        } catch {
            throw Self.dialError(error, host: host, port: port)
        }
    }

    /// Go-shaped text for a failed connection (`dial tcp 10.42.0.7:80: connect: connection refused`).
    static func dialError(_ error: any Error, host: String, port: Int) -> ProbeDialError {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        if let error = error as? ChannelError, case .connectTimeout = error {
            return ProbeDialError(.timeout, "dial tcp \(address): i/o timeout")
        }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return dialError(first.error, host: host, port: port) }
            return ProbeDialError(.connect, "dial tcp: lookup \(host): no such host")
        }
        if let error = error as? IOError {
            let text: String
            switch error.errnoCode {
            case 111: text = "connection refused"
            case 113: text = "no route to host"
            case 101: text = "network is unreachable"
            case 110: return ProbeDialError(.timeout, "dial tcp \(address): connect: connection timed out")
            default: text = "errno \(error.errnoCode)"
            }
            return ProbeDialError(.connect, "dial tcp \(address): connect: \(text)")
        }
        return ProbeDialError(.connect, "dial tcp \(address): \(error)")
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

extension String {
    /// `%XX` sequences decoded (grpc-message is percent-encoded); invalid ones kept.
    var removingPercentEncoding: String {
        var bytes: [UInt8] = []
        var utf8 = Array(self.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
