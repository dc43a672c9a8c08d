import APIServer
import Foundation
import HTTPTypes
import KubeAPI
import Logging
import Synchronization
import Testing
@testable import Cluster
@testable import KubeClient

/// A plain HTTPS server (no Kubernetes semantics) answering with a scripted handler.
final class ScriptedHTTPSServer {
    let server: HTTPSServer
    let port: Int
    let task: Task<Void, any Error>
    let pki: ClusterPKI
    let directory: TemporaryDirectory

    init(handler: any APIHandler) async throws {
        directory = try TemporaryDirectory()
        pki = try ClusterPKI.loadOrCreate(
            directory: directory.file("tls"),
            serving: ServingIdentity(dnsNames: ["localhost"], ipAddresses: [.ipv4Loopback]),
            logger: Logger(label: "test"))
        server = try HTTPSServer(
            configuration: .init(host: "127.0.0.1", port: 0, tls: TLSCredentials(
                certificateChainPEM: pki.servingCertificateChainPEM, privateKeyPEM: pki.servingKeyPEM, clientCAPEM: pki.clientCAPEM)),
            handler: handler, logger: Logger(label: "test"))
        port = try await server.bind()
        let server = self.server
        task = Task { try await server.run() }
    }

    func transport(
        retry: RetryPolicy = RetryPolicy(), sleeps: SleepRecorder? = nil, trust: TLSTrust? = nil, requestTimeout: Duration = .seconds(60)
    ) throws -> HTTPSTransport {
        try HTTPSTransport(
            configuration: .init(
                endpoint: ServerEndpoint(host: "127.0.0.1", port: port), trust: trust ?? .certificateAuthorities(pki.serverCAPEM),
                bearerToken: "t0ken", retry: retry, requestTimeout: requestTimeout),
            sleep: { duration in sleeps?.record(duration) })
    }

    func stop() async throws {
        server.shutdown()
        try await task.value
    }
}

/// Answers 503 (with `Retry-After: 2`) to the first `failures` requests, then echoes what it got.
final class FlakyHandler: APIHandler {
    let count = Mutex(0)
    let failures: Int

    init(failures: Int) {
        self.failures = failures
    }

    func handle(_ request: APIRequest) async -> APIResponse {
        let seen = count.withLock { value in
            value += 1
            return value
        }
        if request.path == "/silent" {
            // Never answers (until the server shuts down).
            let (stream, _) = AsyncStream.makeStream(of: [UInt8].self)
            return APIResponse(status: .ok, body: .stream(stream))
        }
        if request.path == "/stream" {
            let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
            continuation.yield(Array("one\n".utf8))
            continuation.yield(Array("two\n".utf8))
            continuation.finish()
            return APIResponse(status: .ok, body: .stream(stream))
        }
        if seen <= failures {
            var headers = HTTPFields()
            headers[HTTPField.Name("Retry-After")!] = "2"
            return APIResponse(status: .serviceUnavailable, headers: headers)
        }
        let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let echo = "\(request.method.rawValue) \(request.path) \(query) \(request.headers[.authorization] ?? "") \(String(decoding: request.body, as: UTF8.self))"
        return APIResponse(status: .ok, body: .bytes(Array(echo.utf8)))
    }
}

/// Records the waits between retries instead of sleeping.
final class SleepRecorder: Sendable {
    private let state = Mutex<[Duration]>([])
    func record(_ duration: Duration) { state.withLock { $0.append(duration) } }
    var sleeps: [Duration] { state.withLock { $0 } }
}

@Suite(.serialized) struct HTTPSTransportTests {
    @Test func sendsAndReusesConnections() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 0))
        let transport = try server.transport()
        for _ in 0..<3 {
            let response = try await transport.perform(
                method: "GET", path: "/api/v1/namespaces/default/pods/a b", query: [(name: "labelSelector", value: "app=web,tier in (x)")],
                headers: [], body: [])
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "GET /api/v1/namespaces/default/pods/a b labelSelector=app=web,tier in (x) Bearer t0ken ")
        }
        #expect(await transport.pool.idleCount == 1)
        let post = try await transport.perform(method: "POST", path: "/x", query: [], headers: [(name: "Content-Type", value: "application/json")], body: Array("{}".utf8))
        #expect(String(decoding: post.body, as: UTF8.self) == "POST /x  Bearer t0ken {}")
        await transport.shutdown()
        try await server.stop()
    }

    @Test func retriesIdempotentRequestsOn503HonouringRetryAfter() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 2))
        let sleeps = SleepRecorder()
        let transport = try server.transport(sleeps: sleeps)
        let response = try await transport.perform(method: "GET", path: "/api", query: [], headers: [], body: [])
        #expect(response.status == 200)
        #expect(sleeps.sleeps == [.seconds(2), .seconds(2)])
        await transport.shutdown()
        try await server.stop()
    }

    @Test func doesNotRetryPosts() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 1))
        let sleeps = SleepRecorder()
        let transport = try server.transport(sleeps: sleeps)
        let response = try await transport.perform(method: "POST", path: "/api", query: [], headers: [], body: Array("{}".utf8))
        #expect(response.status == 503)
        #expect(sleeps.sleeps.isEmpty)
        await transport.shutdown()
        try await server.stop()
    }

    @Test func aServerThatGoesSilentFailsTheRequestAtTheTimeout() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 0))
        let transport = try server.transport(requestTimeout: .milliseconds(300))
        let error = await #expect(throws: HTTPSTransportError.self) {
            _ = try await transport.perform(method: "PATCH", path: "/silent", query: [], headers: [], body: Array("{}".utf8))
        }
        #expect("\(error.map { "\($0)" } ?? "")".contains("no answer to PATCH /silent within"), "\(String(describing: error))")
        // The connection was closed, not pooled; the next request gets a fresh one and an answer.
        #expect(await transport.pool.idleCount == 0)
        let next = try await transport.perform(method: "GET", path: "/after", query: [], headers: [], body: [])
        #expect(next.status == 200)
        await transport.shutdown()
        try await server.stop()
    }

    @Test func streamsBodies() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 0))
        let transport = try server.transport()
        let response = try await transport.performStream(method: "GET", path: "/stream", query: [], headers: [], body: [])
        #expect(response.status == 200)
        var collected: [UInt8] = []
        for try await chunk in response.body { collected += chunk }
        #expect(String(decoding: collected, as: UTF8.self) == "one\ntwo\n")
        await transport.shutdown()
        try await server.stop()
    }

    @Test func untrustedServerFailsTheHandshake() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 0))
        // The client CA did not sign the serving certificate.
        let transport = try server.transport(retry: RetryPolicy.none, trust: TLSTrust.certificateAuthorities(server.pki.clientCAPEM))
        await #expect {
            _ = try await transport.perform(method: "GET", path: "/api", query: [], headers: [], body: [])
        } throws: { error in
            if case .tlsHandshakeFailed = error as? HTTPSTransportError { return true }
            return false
        }
        try await server.stop()
    }

    @Test func connectionRefusedIsAConnectFailure() async throws {
        let server = try await ScriptedHTTPSServer(handler: FlakyHandler(failures: 0))
        let port = server.port
        try await server.stop()
        let sleeps = SleepRecorder()
        let transport = try HTTPSTransport(
            configuration: .init(endpoint: ServerEndpoint(host: "127.0.0.1", port: port), trust: .insecureSkipVerify, retry: RetryPolicy(maxAttempts: 3)),
            sleep: { duration in sleeps.record(duration) })
        await #expect {
            _ = try await transport.perform(method: "POST", path: "/api", query: [], headers: [], body: [])
        } throws: { error in
            if case .connectFailed = error as? HTTPSTransportError { return true }
            return false
        }
        #expect(sleeps.sleeps == [.milliseconds(100), .milliseconds(200)])
    }

    @Test(arguments: [
        ("https://127.0.0.1:6443", "127.0.0.1", 6443, ""),
        ("https://example.com", "example.com", 443, ""),
        ("https://[::1]:8443/prefix/", "::1", 8443, "/prefix"),
    ])
    func endpoints(_ url: String, _ host: String, _ port: Int, _ prefix: String) throws {
        let endpoint = try ServerEndpoint(url: url)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.pathPrefix == prefix)
    }

    @Test(arguments: ["http://127.0.0.1:6443", "https://", "https://host:99999", "https://[::1"])
    func badEndpoints(_ url: String) {
        #expect(throws: HTTPSTransportError.self) { try ServerEndpoint(url: url) }
    }

    @Test func backoffDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        #expect((1...6).map { policy.delay(afterAttempt: $0, retryAfter: nil) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
        #expect(policy.delay(afterAttempt: 1, retryAfter: "0") == .zero)
        #expect(policy.delay(afterAttempt: 1, retryAfter: "120") == .seconds(1))
        #expect(policy.delay(afterAttempt: 2, retryAfter: "soon") == .milliseconds(200))
    }

    @Test func kubeconfigAsTheServerWritesIt() throws {
        let kubeconfig = Kubeconfig(
            server: "https://127.0.0.1:6443", certificateAuthorityPEM: "CA PEM\n", clientCertificatePEM: "CERT PEM\n", clientKeyPEM: "KEY PEM\n")
        let file = try KubeconfigFile(parsing: kubeconfig.yaml)
        #expect(file == KubeconfigFile(
            server: "https://127.0.0.1:6443", certificateAuthorityPEM: "CA PEM\n", clientCertificatePEM: "CERT PEM\n", clientKeyPEM: "KEY PEM\n"))
    }

    @Test func kubeconfigWithFilesAndToken() throws {
        let directory = try TemporaryDirectory()
        try directory.write("ca.crt", "CA\n")
        try directory.write("token", "abc\n")
        try directory.write("config", """
            apiVersion: v1
            kind: Config
            current-context: two
            clusters:
            - name: c1
              cluster: {server: "https://a:1"}
            - name: c2
              cluster:
                server: https://b:2
                certificate-authority: ca.crt
            users:
            - name: u2
              user:
                tokenFile: token
            contexts:
            - name: one
              context: {cluster: c1, user: u2}
            - name: two
              context: {cluster: c2, user: u2}
            """)
        let file = try KubeconfigFile(contentsOf: directory.file("config"))
        #expect(file == KubeconfigFile(server: "https://b:2", certificateAuthorityPEM: "CA\n", token: "abc"))
        let configuration = try file.transportConfiguration()
        #expect(configuration.endpoint == ServerEndpoint(host: "b", port: 2))
        #expect(configuration.bearerToken == "abc")
    }

    @Test(arguments: [
        ("current-context: nope\ncontexts: []\nclusters: []\n", "current-context \"nope\" is not among the contexts"),
        ("clusters:\n- name: c\n  cluster: {server: \"https://a:1\", certificate-authority-data: \"!!\"}\n", "certificate-authority-data is not valid base64"),
        ("clusters:\n- name: c\n  cluster: {}\n", "the cluster has no server URL"),
        ("users: []\n", "no cluster is selected (set current-context)"),
    ])
    func badKubeconfigs(_ text: String, _ message: String) {
        #expect(throws: HTTPSTransportError.invalidKubeconfig(message)) { try KubeconfigFile(parsing: text) }
    }
}
