#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import Synchronization
import X509
import Testing
@testable import Kubelet

/// Requests a loopback server saw.
final class RequestLog: Sendable {
    let lines = Mutex<[String]>([])
}

/// Answers HTTP/1.1 on loopback: `/ok` 200, `/fail` 500 with `boom`, `/moved` 302 to `/ok`,
/// `/hang` never; records each request's path and headers.
final class LoopbackHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let seen: RequestLog
    init(seen: RequestLog) { self.seen = seen }
    var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            let headers = head.headers.map { "\($0.name)=\($0.value)" }.sorted().joined(separator: ",")
            seen.lines.withLock { $0.append("\(head.uri) \(headers)") }
            let (status, body, location): (HTTPResponseStatus, String, String?) = switch head.uri {
            case "/ok": (.ok, "fine", nil)
            case "/moved": (.found, "", "/ok")
            case "/hang": (.ok, "", nil)
            default: (.internalServerError, "boom", nil)
            }
            if head.uri == "/hang" { return }
            var responseHead = HTTPResponseHead(version: .http1_1, status: status)
            responseHead.headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            if let location { responseHead.headers.add(name: "Location", value: location) }
            context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

/// Answers `grpc.health.v1.Health/Check` over h2c: service `""` and `db` SERVING, `down`
/// NOT_SERVING, any other NOT_FOUND (trailers only); other paths UNIMPLEMENTED.
final class LoopbackHealthHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    var path = ""
    var body: [UInt8] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): path = head.uri
        case .body(let buffer): body += buffer.readableBytesView
        case .end:
            let service = body.count > 7 ? String(decoding: body[7...], as: UTF8.self) : ""
            var head = HTTPResponseHead(version: .http2, status: .ok)
            head.headers.add(name: "content-type", value: "application/grpc")
            let status: Int? = path != "/grpc.health.v1.Health/Check" ? nil : ["": 1, "db": 1, "down": 2][service]
            guard let status else {
                head.headers.add(name: "grpc-status", value: path == "/grpc.health.v1.Health/Check" ? "5" : "12")
                head.headers.add(name: "grpc-message", value: "unknown%20service")
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let frame: [UInt8] = [0, 0, 0, 0, 2, 0x08, UInt8(status)]
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: frame)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(["grpc-status": "0"])), promise: nil)
        }
    }
}

@Suite("NIOProbeDialer against loopback servers")
struct NIOProbeDialerTests {
    let group = MultiThreadedEventLoopGroup.singleton

    func serve(_ initializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) async throws -> any Channel {
        try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer(initializer)
            .bind(host: "127.0.0.1", port: 0).get()
    }

    @Test func tcpConnectsToAListenerAndIsRefusedByAClosedPort() async throws {
        let server = try await serve { $0.eventLoop.makeSucceededVoidFuture() }
        let port = try #require(server.localAddress?.port)
        let dialer = NIOProbeDialer()
        try await dialer.tcpConnect(host: "127.0.0.1", port: port, timeout: .seconds(20))
        try await server.close()
        do {
            try await dialer.tcpConnect(host: "127.0.0.1", port: port, timeout: .seconds(20))
            Issue.record("connected to a closed port")
        } catch let error as ProbeDialError {
            #expect(error.message == "dial tcp 127.0.0.1:\(port): connect: connection refused")
            #expect(error.kind == .connect)
        }
    }

    @Test func httpGetReadsStatusLocationAndBodyAndSendsTheHeaders() async throws {
        let seen = RequestLog()
        let server = try await serve { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(LoopbackHTTPHandler(seen: seen))
            }
        }
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let dialer = NIOProbeDialer()
        let headers = [CoreV1.HTTPHeader(name: "X-Probe", value: "1"), CoreV1.HTTPHeader(name: "User-Agent", value: "kube-probe/1.36")]
        let ok = try await dialer.httpGet(HTTPProbeRequest(host: "127.0.0.1", port: port, path: "/ok", headers: headers), timeout: .seconds(20))
        #expect(ok.statusCode == 200)
        #expect(ok.body == bytes("fine"))
        let failed = try await dialer.httpGet(HTTPProbeRequest(host: "127.0.0.1", port: port, path: "/fail"), timeout: .seconds(20))
        #expect(failed.statusCode == 500)
        let moved = try await dialer.httpGet(HTTPProbeRequest(host: "127.0.0.1", port: port, path: "/moved"), timeout: .seconds(20))
        #expect(moved.statusCode == 302)
        #expect(moved.location == "/ok")
        #expect(seen.lines.withLock { $0 }.first == "/ok Connection=close,Host=127.0.0.1:\(port),User-Agent=kube-probe/1.36,X-Probe=1")
        // Through the prober: the redirect is followed.
        let prober = Prober(exec: { _, _, _ in CRI.ExecSyncResult() }, dialer: dialer)
        var probe = CoreV1.Probe()
        probe.timeoutSeconds = 20
        probe.httpGet = CoreV1.HTTPGetAction(path: "/moved", port: .int(port))
        let target = Prober.Target(containerID: "c", container: probedContainer(), podIP: "127.0.0.1")
        #expect(await prober.run(probe, target: target) == .success)
        probe.httpGet?.path = "/fail"
        #expect(await prober.run(probe, target: target) == .failure("HTTP probe failed with statuscode: 500"))
    }

    @Test func httpsSkipsCertificateVerification() async throws {
        // A self-signed certificate no one trusts, for a name that is not the address.
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("not-this-host") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now - 60, notValidAfter: now + 3600, issuer: name, subject: name,
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(), issuerPrivateKey: Certificate.PrivateKey(key))
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(try certificate.serializeAsPEM().pemString.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)))
        let context = try NIOSSLContext(configuration: configuration)
        let seen = RequestLog()
        let server = try await serve { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(LoopbackHTTPHandler(seen: seen))
            }
        }
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let response = try await NIOProbeDialer().httpGet(
            HTTPProbeRequest(scheme: "https", host: "127.0.0.1", port: port, path: "/ok"), timeout: .seconds(20))
        #expect(response.statusCode == 200)
        #expect(response.body == bytes("fine"))
        #expect(seen.lines.withLock { $0.count } == 1)
    }

    @Test func httpGetTimesOutOnAServerThatNeverAnswers() async throws {
        let server = try await serve { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(LoopbackHTTPHandler(seen: RequestLog()))
            }
        }
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        do {
            _ = try await NIOProbeDialer().httpGet(HTTPProbeRequest(host: "127.0.0.1", port: port, path: "/hang"), timeout: .milliseconds(200))
            Issue.record("a hanging server answered")
        } catch let error as ProbeDialError {
            #expect(error.kind == .timeout)
            #expect(error.message == "context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
        }
    }

    @Test func grpcHealthCheckOverH2C() async throws {
        let server = try await serve { channel in
            channel.eventLoop.makeCompletedFuture {
                _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                    mode: .server, connectionConfiguration: .init(), streamConfiguration: .init()
                ) { stream in
                    stream.eventLoop.makeCompletedFuture {
                        try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                        try stream.pipeline.syncOperations.addHandler(LoopbackHealthHandler())
                    }
                }
            }
        }
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)
        let dialer = NIOProbeDialer()
        let serving = try await dialer.grpcHealthCheck(host: "127.0.0.1", port: port, service: "", timeout: .seconds(20))
        #expect(serving == GRPCHealthAnswer(grpcStatus: 0, servingStatus: 1))
        let named = try await dialer.grpcHealthCheck(host: "127.0.0.1", port: port, service: "db", timeout: .seconds(20))
        #expect(named.servingStatus == 1)
        let down = try await dialer.grpcHealthCheck(host: "127.0.0.1", port: port, service: "down", timeout: .seconds(20))
        #expect(down == GRPCHealthAnswer(grpcStatus: 0, servingStatus: 2))
        let unknown = try await dialer.grpcHealthCheck(host: "127.0.0.1", port: port, service: "other", timeout: .seconds(20))
        #expect(unknown == GRPCHealthAnswer(grpcStatus: 5, grpcMessage: "unknown service"))
        // Through the prober.
        let prober = Prober(exec: { _, _, _ in CRI.ExecSyncResult() }, dialer: dialer)
        var probe = CoreV1.Probe()
        probe.timeoutSeconds = 20
        probe.grpc = CoreV1.GRPCAction(port: port, service: "down")
        let target = Prober.Target(containerID: "c", container: probedContainer(), podIP: "127.0.0.1")
        #expect(await prober.run(probe, target: target) == .failure("service unhealthy (responded with \"NOT_SERVING\")"))
        probe.grpc?.service = nil
        #expect(await prober.run(probe, target: target) == .success)
    }

    @Test func healthMessagesEncodeAndDecode() {
        #expect(GRPCHealthCodec.request(service: "") == [0, 0, 0, 0, 0])
        #expect(GRPCHealthCodec.request(service: "db") == [0, 0, 0, 0, 4, 0x0A, 2, 0x64, 0x62])
        #expect(GRPCHealthCodec.servingStatus(fromResponse: [0, 0, 0, 0, 2, 0x08, 1]) == 1)
        #expect(GRPCHealthCodec.servingStatus(fromResponse: [0, 0, 0, 0, 0]) == 0)
        #expect(GRPCHealthCodec.servingStatus(fromResponse: [0, 0, 0, 0, 5, 0x08]) == nil)
    }
}
