@testable import APIServer
import ClusterTesting
import Crypto
import Datastore
import Foundation
import HTTPTypes
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// An API server on a loopback port (TLS from ``TestPKI``) whose kubelet client trusts the test
/// CA and presents the test client certificate (CN alice), with a bearer token for an admin
/// (`root-token`) and one for an unprivileged user (`bob-token`).
final class ProxyTestServer: Sendable {
    let server: KubeAPIServer
    let port: Int
    private let task: Task<Void, any Error>

    static let adminToken = "root-token"
    static let userToken = "bob-token"

    private init(server: KubeAPIServer, port: Int, task: Task<Void, any Error>) {
        self.server = server
        self.port = port
        self.task = task
    }

    static func start(webSocketProtocols: Set<String> = KubeletClientConfiguration.legacyWebSocketProtocols) async throws -> ProxyTestServer {
        let pki = TestPKI.shared
        let kubelet = KubeletClientConfiguration(
            certificateAuthorityPEM: pki.caPEM,
            clientCertificatePEM: try String(contentsOfFile: pki.clientCertFile, encoding: .utf8),
            clientKeyPEM: try String(contentsOfFile: pki.clientKeyFile, encoding: .utf8),
            webSocketProtocols: webSocketProtocols)
        let server = try KubeAPIServer(
            configuration: .init(
                host: "127.0.0.1", port: 0, tls: pki.credentials, serviceAccountKey: .es256(P256.Signing.PrivateKey()),
                tokenAuthFile: "\(adminToken),root,1,system:masters\n\(userToken),bob,2,devs",
                kubeletClient: kubelet),
            datastore: InMemoryDatastore(),
            logger: Logger(label: "proxy-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await server.bind()
        let task = Task { try await server.run() }
        await server.waitUntilReady()
        return ProxyTestServer(server: server, port: port, task: task)
    }

    static func with(
        webSocketProtocols: Set<String> = KubeletClientConfiguration.legacyWebSocketProtocols,
        _ body: (ProxyTestServer) async throws -> Void
    ) async throws {
        let server = try await start(webSocketProtocols: webSocketProtocols)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    func stop() async {
        server.shutdown()
        _ = await task.result
    }

    /// Sends a request as the admin, in process.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ path: String, _ body: JSONValue? = nil, contentType: String = "application/json") async -> APIResponse {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let parts = path.split(separator: "?", maxSplits: 1)
        let query: [(name: String, value: String)] = parts.count > 1
            ? parts[1].split(separator: "&").map { pair -> (name: String, value: String) in
                let fields = pair.split(separator: "=", maxSplits: 1)
                return (name: String(fields[0]), value: fields.count > 1 ? String(fields[1]) : "")
            }
            : []
        return await server.authorizedHandler.handle(
            APIRequest(method: method, path: String(parts[0]), query: query, headers: headers, body: body?.serialized() ?? [], user: .admin))
    }

    /// Creates a node whose kubelet listens on 127.0.0.1:`kubeletPort` (no address when
    /// `address` is `nil`).
    func createNode(_ name: String, kubeletPort: Int, address: String? = "127.0.0.1") async throws {
        let created = await send(.post, "/api/v1/nodes", ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name)]])
        try Self.expectSuccess(created)
        var addresses: [JSONValue] = [["type": "Hostname", "address": .string(name)]]
        if let address { addresses.insert(["type": "InternalIP", "address": .string(address)], at: 0) }
        if address == nil { addresses = [] }
        let status: JSONValue = [
            "status": ["addresses": .array(addresses), "daemonEndpoints": ["kubeletEndpoint": ["Port": .int(Int64(kubeletPort))]]],
        ]
        try Self.expectSuccess(await send(.patch, "/api/v1/nodes/\(name)/status", status, contentType: "application/merge-patch+json"))
    }

    /// Creates a pod in `default` with the given containers, bound to `node` (unbound when `nil`).
    func createPod(_ name: String, containers: [String], node: String?, podIP: String? = nil, running: Bool = false) async throws {
        var spec: JSONValue = ["containers": .array(containers.map { ["name": .string($0), "image": "busybox"] })]
        if let node { spec.setMember("nodeName", .string(node)) }
        let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name)], "spec": spec]
        try Self.expectSuccess(await send(.post, "/api/v1/namespaces/default/pods", pod))
        if podIP != nil || running {
            var fields: JSONValue = [:]
            if let podIP {
                fields.setMember("podIP", .string(podIP))
                fields.setMember("podIPs", [["ip": .string(podIP)]])
            }
            if running { fields.setMember("phase", "Running") }
            let status: JSONValue = ["status": fields]
            try Self.expectSuccess(await send(
                .patch, "/api/v1/namespaces/default/pods/\(name)/status", status, contentType: "application/merge-patch+json"))
        }
    }

    static func expectSuccess(_ response: APIResponse) throws {
        guard (200..<300).contains(response.status.code) else {
            throw DeadlineExceeded(description: "setup request failed: \(response.status.code) \(response.bodyText)")
        }
    }

    /// curl against the server as the admin (or as bob with `user: true`).
    func curl(_ path: String, http2: Bool = false, user: Bool = false, extra: [String] = []) async throws -> CurlResult {
        let token = user ? Self.userToken : Self.adminToken
        return try await APIServerTests.curl(
            port: port, path: path, http2: http2, clientCert: nil, extraArguments: ["-H", "Authorization: Bearer \(token)"] + extra)
    }
}

/// A fake kubelet's plain HTTPS API: an ``HTTPSServer`` (test CA, client certificates
/// verified) that records requests and answers `/containerLogs/...` with a stream the test
/// feeds, `/containerLogs/default/broken/...` with a 404 text, and anything else with a JSON
/// echo of the request line.
final class FakeKubelet: APIHandler {
    private let requests = Mutex<[APIRequest]>([])
    private let logs = Mutex<[RecordingHandler.StreamHandle]>([])
    private let logOpened = Latch()

    var recorded: [APIRequest] { requests.withLock { $0 } }

    func handle(_ request: APIRequest) async -> APIResponse {
        requests.withLock { $0.append(request) }
        var headers = HTTPFields()
        if request.path.hasPrefix("/containerLogs/default/broken/") {
            headers[.contentType] = "text/plain"
            return APIResponse(status: .notFound, headers: headers, body: .bytes(Array("container \"app\" not found\n".utf8)))
        }
        if request.path.hasPrefix("/containerLogs/") {
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
            let terminated = Latch()
            continuation.onTermination = { _ in terminated.open() }
            continuation.yield(Array("line 1\n".utf8))
            logs.withLock { $0.append(RecordingHandler.StreamHandle(continuation: continuation, terminated: terminated)) }
            logOpened.open()
            headers[.contentType] = "text/plain"
            return APIResponse(status: .ok, headers: headers, body: .stream(stream))
        }
        headers[.contentType] = "application/json"
        let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let echo: JSONValue = [
            "method": .string(request.method.rawValue), "path": .string(request.path), "query": .string(query),
            "client": .string(request.clientCertificate?.commonName ?? ""),
            "body": .string(String(decoding: request.body, as: UTF8.self)),
            "authorization": .string(request.headers[.authorization] ?? ""),
        ]
        return APIResponse(status: .ok, headers: headers, body: .bytes(echo.serialized()))
    }

    /// The first log stream the kubelet opened.
    func firstLog() async throws -> RecordingHandler.StreamHandle {
        try await withDeadline(.seconds(20), "a log request at the kubelet") { await self.logOpened.wait() }
        return try #require(logs.withLock { $0.first })
    }

    /// Runs `body` with the fake listening on a loopback port.
    static func with(_ body: (FakeKubelet, Int) async throws -> Void) async throws {
        let kubelet = FakeKubelet()
        try await withTestServer(handler: kubelet) { _, port in try await body(kubelet, port) }
    }
}

/// A fake kubelet streaming server on raw TLS: it answers an upgrade request with
/// `101 Switching Protocols` followed at once by `ready\n`, then echoes every byte; a request
/// whose query has `command=fail` gets a 400 `Status` instead.
final class FakeStreamingKubelet: Sendable {
    let channel: any Channel
    let port: Int
    let heads = Mutex<[String]>([])
    let connectionClosed = Latch()

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// Runs `body` with the fake listening on a loopback port, over TLS (a kubelet) or plain
    /// HTTP (`tls: false`, a CRI streaming server).
    static func with(tls useTLS: Bool = true, _ body: (FakeStreamingKubelet) async throws -> Void) async throws {
        let pki = TestPKI.shared
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(pki.serverCertPEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(pki.serverKeyPEM.utf8), format: .pem)))
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.caPEM.utf8)))
        tls.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: tls)
        let recorder = Recorder()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    if useTLS { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try child.pipeline.syncOperations.addHandler(EchoUpgradeHandler(recorder: recorder))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let kubelet = FakeStreamingKubelet(channel: channel)
        recorder.kubelet.withLock { $0 = kubelet }
        do {
            try await body(kubelet)
        } catch {
            try? await channel.close()
            throw error
        }
        try? await channel.close()
    }

    final class Recorder: Sendable {
        let kubelet = Mutex<FakeStreamingKubelet?>(nil)
        func head(_ text: String) { kubelet.withLock { $0?.heads.withLock { $0.append(text) } } }
        func closed() { kubelet.withLock { $0?.connectionClosed.open() } }
    }

    final class EchoUpgradeHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let recorder: Recorder
        var head: [UInt8] = []
        var upgraded = false

        init(recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            if upgraded {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
                return
            }
            head += buffer.readableBytesView
            guard let end = head.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let text = String(decoding: head[..<end.lowerBound], as: UTF8.self)
            recorder.head(text)
            if text.contains("command=fail") {
                let body = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"no such command","reason":"BadRequest","code":400}"#
                let answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
                return
            }
            upgraded = true
            let answer = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                + "X-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\nready\n"
            context.write(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
            let rest = head[end.upperBound...]
            if !rest.isEmpty { context.write(wrapOutboundOut(ByteBuffer(bytes: rest)), promise: nil) }
            context.flush()
        }

        func channelInactive(context: ChannelHandlerContext) {
            recorder.closed()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}

/// A raw TLS client for upgrade requests: writes bytes, collects what arrives.
final class RawTLSClient: Sendable {
    let channel: any Channel
    private let collector: Collector

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])
        let closed = Latch()

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            bytes.withLock { $0 += buffer.readableBytesView }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.open()
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func connect(port: Int) async throws -> RawTLSClient {
        let pki = TestPKI.shared
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pki.caPEM.utf8)))
        tls.applicationProtocols = ["http/1.1"]
        let context = try NIOSSLContext(configuration: tls)
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(collector)
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        return RawTLSClient(channel: channel, collector: collector)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    var text: String { String(decoding: collector.bytes.withLock { $0 }, as: UTF8.self) }

    /// Waits until the received text contains `needle`; returns all of it.
    @discardableResult
    func awaitText(containing needle: String) async throws -> String {
        try await eventually("\(needle.debugDescription) from the server (got \(text.debugDescription))", timeout: .seconds(20)) {
            self.text.contains(needle) ? self.text : nil
        }
    }

    func awaitClosed() async throws {
        try await withDeadline(.seconds(20), "the server closing the connection") { await self.collector.closed.wait() }
    }

    func close() async {
        try? await channel.close()
    }
}
