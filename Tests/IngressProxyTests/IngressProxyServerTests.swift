import ClusterTesting
import IngressProxy
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Testing
import X509

@Suite("Ingress proxy on loopback")
struct IngressProxyServerTests {
    static func siteRules(_ host: String, _ path: String = "/", service: String) -> (host: String?, paths: [NetworkingV1.HTTPIngressPath]) {
        (host: host, paths: [IngressFixtures.path(path, service: service)])
    }

    @Test func routesHostsAndPathsAndAnswers404And503() async throws {
        let a = try await TestBackend.start("A")
        let b = try await TestBackend.start("B")
        defer { Task { await a.stop(); await b.stop() } }
        try await ProxyHarness.with { proxy in
            let problems = proxy.route([
                IngressFixtures.ingress("site", rules: [
                    Self.siteRules("a.test", service: "svc-a"), Self.siteRules("b.test", "/api", service: "svc-b"),
                    Self.siteRules("c.test", service: "gone"),
                ]),
            ], backends: ["svc-a": [a.port], "svc-b": [b.port]])
            #expect(problems.map(\.reason) == ["ServiceNotFound"])
            let toA = try await TestHTTPConnection.get(port: proxy.httpPort, host: "a.test", "/index.html?x=1")
            #expect(toA.status == .ok)
            #expect(toA.line("backend") == "A")
            #expect(toA.line("path") == "/index.html?x=1")
            let toB = try await TestHTTPConnection.get(port: proxy.httpPort, host: "b.test:\(proxy.httpPort)", "/api/v1")
            #expect(toB.line("backend") == "B")
            let unmatched = try await TestHTTPConnection.get(port: proxy.httpPort, host: "b.test", "/apix")
            #expect(unmatched.status == .notFound)
            let unknownHost = try await TestHTTPConnection.get(port: proxy.httpPort, host: "z.test", "/")
            #expect(unknownHost.status == .notFound)
            let missing = try await TestHTTPConnection.get(port: proxy.httpPort, host: "c.test", "/")
            #expect(missing.status == .serviceUnavailable)
            #expect(missing.body.contains("service default/gone not found"))

            // A default backend takes what no rule matches.
            _ = proxy.route([
                IngressFixtures.ingress("site", rules: [Self.siteRules("b.test", "/api", service: "svc-b")], defaultBackend: IngressFixtures.backend("svc-a")),
            ], backends: ["svc-a": [a.port], "svc-b": [b.port]])
            let fallback = try await TestHTTPConnection.get(port: proxy.httpPort, host: "z.test", "/anything")
            #expect(fallback.line("backend") == "A")
        }
    }

    @Test func setsForwardedHeadersAndDropsHopByHopOnes() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            let response = try await TestHTTPConnection.get(port: proxy.httpPort, host: "a.test", "/", headers: [
                ("x-forwarded-for", "203.0.113.9"), ("te", "trailers"), ("connection", "keep-alive, x-private"), ("x-private", "1"),
            ])
            #expect(response.line("x-forwarded-for") == "203.0.113.9, 127.0.0.1")
            #expect(response.line("x-real-ip") == "127.0.0.1")
            #expect(response.line("x-forwarded-proto") == "http")
            #expect(response.line("x-forwarded-host") == "a.test")
            #expect(response.line("x-forwarded-port") == String(proxy.httpPort))
            #expect(response.line("host") == "a.test")
            #expect(response.line("te") == "")
            #expect(response.line("connection") == "")
            // The endpoint's keep-alive header is its own business.
            #expect(response.headers["keep-alive"].isEmpty)
        }
    }

    @Test func reusesEndpointConnectionsAcrossRequestsAndClients() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            try await TestHTTPConnection.with(port: proxy.httpPort) { connection in
                for index in 0..<5 {
                    let response = try await connection.send(.GET, "/\(index)", host: "a.test")
                    #expect(response.line("path") == "/\(index)")
                }
            }
            for _ in 0..<3 {
                #expect(try await TestHTTPConnection.get(port: proxy.httpPort, host: "a.test", "/again").status == .ok)
            }
            #expect(a.connectionCount == 1)
            #expect(await proxy.server.openedBackendConnections() == 1)
        }
    }

    @Test func closesAClientConnectionIdleBetweenRequests() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with(idleTimeout: .milliseconds(300)) { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            let port = proxy.httpPort
            try await withDeadline(.seconds(10), "the idle connection is closed") {
                try await RawConnection.with(port: port) { connection in
                    try await connection.write("GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n")
                    let answer = try await connection.read(until: "te: \n")
                    #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
                    // Nothing more is sent: the proxy closes the connection.
                    await #expect(throws: RawConnection.Closed.self) { try await connection.read(until: "never sent") }
                }
            }
        }
    }

    @Test func retriesARefusedEndpointOnTheNextOne() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        let dead = try await ProxyHarness.closedPort()
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [dead, a.port]])
            for _ in 0..<4 {
                let response = try await TestHTTPConnection.get(port: proxy.httpPort, host: "a.test", "/")
                #expect(response.status == .ok)
            }
            // Only refusing endpoints: 502.
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [dead]])
            #expect(try await TestHTTPConnection.get(port: proxy.httpPort, host: "a.test", "/").status == .badGateway)
        }
    }

    @Test func streamsALargeRequestBody() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            let size = 8 << 20
            let response = try await TestHTTPConnection.with(port: proxy.httpPort) { connection in
                try await connection.send(.POST, "/upload", host: "a.test", body: ByteBuffer(repeating: 0x61, count: size))
            }
            #expect(response.line("body") == String(size))
        }
    }

    @Test func passesAnUpgradedConnectionThroughAsBytes() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            // Plain and over TLS (wss).
            for (port, serverName) in [(proxy.httpPort, nil), (proxy.httpsPort, "a.test")] as [(Int, String?)] {
                let echoed = try await RawConnection.with(port: port, serverName: serverName) { connection in
                    try await connection.write("GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
                    let answer = try await connection.read(until: "\r\n\r\n")
                    #expect(answer.hasPrefix("HTTP/1.1 101"))
                    #expect(answer.lowercased().contains("upgrade: websocket"))
                    try await connection.write("ping-through-the-splice")
                    let first = try await connection.read(until: "splice")
                    try await connection.write("and-back-again")
                    return first + "|" + (try await connection.read(until: "again"))
                }
                #expect(echoed == "ping-through-the-splice|and-back-again", "TLS: \(serverName != nil)")
            }
        }
    }

    @Test func passesOn100ContinueBeforeTheAnswer() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            let answer = try await RawConnection.with(port: proxy.httpPort) { connection in
                try await connection.write("POST /form HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
                let interim = try await connection.read(until: "\r\n\r\n")
                #expect(interim.hasPrefix("HTTP/1.1 100 Continue"))
                try await connection.write("hello")
                return try await connection.read(until: "te: \n")
            }
            #expect(answer.hasPrefix("HTTP/1.1 200 OK"))
            #expect(answer.contains("body: 5\n"))
        }
    }

    @Test func terminatesTLSWithTheCertificateOfTheServerName() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        let certificateA = try SelfSignedCertificate(commonName: "a.test")
        let certificateB = try SelfSignedCertificate(commonName: "b.test")
        try await ProxyHarness.with { proxy in
            let problems = proxy.route([
                IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a"), Self.siteRules("b.test", service: "svc-a"), Self.siteRules("c.test", service: "svc-a")], tls: [
                    NetworkingV1.IngressTLS(hosts: ["a.test"], secretName: "a-tls"), NetworkingV1.IngressTLS(hosts: ["b.test"], secretName: "b-tls"),
                    NetworkingV1.IngressTLS(hosts: ["c.test"], secretName: "missing-tls"),
                ]),
            ], backends: ["svc-a": [a.port]], secrets: [IngressFixtures.tlsSecret("a-tls", certificateA), IngressFixtures.tlsSecret("b-tls", certificateB)])
            #expect(problems.map(\.reason) == ["SecretNotFound"])
            for (name, expected) in [("a.test", "a.test"), ("b.test", "b.test"), ("c.test", "k3s-ingress-default"), ("unknown.test", "k3s-ingress-default")] {
                let presented = PresentedCertificate()
                let response = try await TestHTTPConnection.with(port: proxy.httpsPort, serverName: name, presented: presented) { connection in
                    try await connection.send(.GET, "/secure", host: name)
                }
                let leaf = try #require(presented.leaf.withLock { $0 })
                let subject = try Certificate(derEncoded: try leaf.toDERBytes()).subject
                #expect("\(subject)" == "CN=\(expected)", "server name \(name)")
                if name != "unknown.test" {
                    #expect(response.line("backend") == "A")
                    #expect(response.line("x-forwarded-proto") == "https")
                } else {
                    #expect(response.status == .notFound)
                }
            }
        }
    }

    @Test(.enabled(if: IngressProxyServerTests.curlSpeaksHTTP2, "needs curl with HTTP/2 (nghttp2)"))
    func servesHTTP2NegotiatedByALPN() async throws {
        let a = try await TestBackend.start("A")
        defer { Task { await a.stop() } }
        try await ProxyHarness.with { proxy in
            _ = proxy.route([IngressFixtures.ingress("site", rules: [Self.siteRules("a.test", service: "svc-a")])], backends: ["svc-a": [a.port]])
            let url = "https://a.test:\(proxy.httpsPort)/over-h2"
            let output = try await Self.run("/usr/bin/curl", [
                "-sk", "--http2", "--resolve", "a.test:\(proxy.httpsPort):127.0.0.1", "-w", "\nversion=%{http_version}", url, url,
            ])
            #expect(output.contains("backend: A"))
            #expect(output.contains("path: /over-h2"))
            #expect(output.contains("x-forwarded-proto: https"))
            #expect(output.contains("version=2"))
        }
    }

    static let curlSpeaksHTTP2: Bool = {
        guard let output = try? runSync("/usr/bin/curl", ["-V"]) else { return false }
        return output.contains("HTTP2") || output.contains("nghttp2")
    }()
}
