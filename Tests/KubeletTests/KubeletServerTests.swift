import ClusterTesting
import Foundation
import KubeAPI
import KubeClient
import NIOCore
import Synchronization
import Testing
@testable import Kubelet

@Suite("Kubelet HTTPS API")
struct KubeletServerTests {
    static let allowAll = TestAuthorizer { _, _ in true }

    // MARK: Attributes

    @Test(arguments: [
        ("GET", "/stats/summary", "get", "stats"), ("GET", "/metrics/resource", "get", "metrics"),
        ("GET", "/logs/messages", "get", "log"), ("GET", "/containerLogs/default/web/main", "get", "proxy"),
        ("POST", "/exec/default/web/main", "create", "proxy"), ("GET", "/attach/default/web/main", "get", "proxy"),
        ("POST", "/portForward/default/web", "create", "proxy"), ("GET", "/pods", "get", "proxy"),
        ("PUT", "/run/default/web/main", "update", "proxy"), ("DELETE", "/statsx", "delete", "proxy"),
        ("GET", "/metrics", "get", "metrics"), ("HEAD", "/healthz", "get", "proxy"),
    ])
    func mapsRequestsToNodeSubresources(_ method: String, _ path: String, _ verb: String, _ subresource: String) {
        let attributes = KubeletRequestAttributes(method: method, path: path, nodeName: "node-a")
        #expect(attributes == KubeletRequestAttributes(verb: verb, subresource: subresource, nodeName: "node-a"))
    }

    @Test func parsesStreamingURLs() throws {
        let plain = try StreamingTarget(url: "http://127.0.0.1:10010/exec/abc", clientQuery: "port=80")
        #expect(plain.host == "127.0.0.1" && plain.port == 10010 && plain.target == "/exec/abc?port=80")
        let v6 = try StreamingTarget(url: "http://[::1]:35000/portforward/x?a=b", clientQuery: "port=80")
        #expect(v6.host == "::1" && v6.port == 35000 && v6.target == "/portforward/x?a=b" && v6.hostHeader == "[::1]:35000")
        #expect(throws: KubeletServerError.self) { try StreamingTarget(url: "https://127.0.0.1:1/exec/x", clientQuery: "") }
        #expect(throws: KubeletServerError.self) { try StreamingTarget(url: "http://127.0.0.1:x/exec/x", clientQuery: "") }
    }

    // MARK: Authentication and authorization

    @Test func anonymousRequestsGet401WithAStatus() async throws {
        try await ServerFixture.with(authenticator: TestAuthenticator(token: "good", user: KubeletUser(name: "bob")), authorizer: Self.allowAll) { fixture in
            for token in [nil, "bad"] as [String?] {
                let response = try await fixture.request("/pods", token: token)
                #expect(response.status == 401)
                let status = try JSONValue(parsing: response.body)
                #expect(status["kind"]?.stringValue == "Status")
                #expect(status["reason"]?.stringValue == "Unauthorized")
            }
            let good = try await fixture.request("/healthz", token: "good")
            #expect(good.status == 200 && String(decoding: good.body, as: UTF8.self) == "ok")
        }
    }

    @Test func aCertificateFromAnotherCAIsRefusedInTheHandshake() async throws {
        try await ServerFixture.with(authorizer: Self.allowAll) { fixture in
            let stranger = try fixture.pki.client("mallory", signedByServerCA: true)
            await #expect(throws: (any Error).self) { _ = try await fixture.request("/healthz", certificate: stranger) }
        }
    }

    @Test func deniedRequestsGet403AndCertificatesNameTheUser() async throws {
        let seen = Mutex<[KubeletUser]>([])
        let authorizer = TestAuthorizer { user, attributes in
            seen.withLock { $0.append(user) }
            return attributes.subresource != "proxy"
        }
        try await ServerFixture.with(authorizer: authorizer) { fixture in
            let alice = try fixture.pki.client("alice", groups: ["devs", "ops"])
            let response = try await fixture.request("/pods", certificate: alice)
            #expect(response.status == 403)
            let status = try JSONValue(parsing: response.body)
            #expect(status["reason"]?.stringValue == "Forbidden")
            #expect(status["message"]?.stringValue == "Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy): test policy")
            #expect(seen.withLock { $0 } == [KubeletUser(name: "alice", groups: ["devs", "ops", "system:authenticated"])])
            // nodes/stats is allowed, but no provider is set.
            let stats = try await fixture.request("/stats/summary", certificate: alice)
            #expect(stats.status == 404)
        }
    }

    // MARK: Endpoints

    @Test func servesPodsAndStats() async throws {
        let pods = TestPods()
        pods.set([makePod(name: "b-pod", uid: "u2"), makePod(name: "a-pod", uid: "u1")])
        try await ServerFixture.with(pods: pods, authorizer: Self.allowAll) { fixture in
            let alice = try fixture.pki.client("alice")
            let response = try await fixture.request("/pods", certificate: alice)
            #expect(response.status == 200)
            let list = try JSONValue(parsing: response.body)
            #expect(list["kind"]?.stringValue == "PodList")
            #expect(list["items"]?.arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue } == ["a-pod", "b-pod"])

            struct Stats: KubeletStatsProvider {
                var fail: Bool
                func summary() async throws -> [UInt8] {
                    if fail { throw TestFailure("runtime down") }
                    return Array(#"{"node":{"nodeName":"node-a"},"pods":[]}"#.utf8)
                }
                func resourceMetrics() async throws -> String { "node_cpu_usage_seconds_total 1.5\n" }
                func kubeletMetrics() async throws -> String {
                    if fail { throw TestFailure("runtime down") }
                    return "kubelet_running_pods 2\n"
                }
            }
            fixture.server.setStatsProvider(Stats(fail: false))
            let summary = try await fixture.request("/stats/summary", certificate: alice)
            #expect(summary.status == 200 && summary.header("content-type") == "application/json")
            #expect(try JSONValue(parsing: summary.body)["node"]?["nodeName"]?.stringValue == "node-a")
            let metrics = try await fixture.request("/metrics/resource", certificate: alice)
            #expect(metrics.status == 200 && String(decoding: metrics.body, as: UTF8.self) == "node_cpu_usage_seconds_total 1.5\n")
            let own = try await fixture.request("/metrics", certificate: alice)
            #expect(own.status == 200 && String(decoding: own.body, as: UTF8.self) == "kubelet_running_pods 2\n")
            fixture.server.setStatsProvider(Stats(fail: true))
            #expect(try await fixture.request("/stats/summary", certificate: alice).status == 503)
            #expect(try await fixture.request("/metrics", certificate: alice).status == 503)
            #expect(try await fixture.request("/nothing/here", certificate: alice).status == 404)
            #expect(try await fixture.request("/pods", method: .post, certificate: alice).status == 405)
        }
    }

    /// A pod on the fake runtime with a running container `main` whose log directory is `directory`.
    static func runningPod(
        _ runtime: FakeRuntimeClient, logDirectory: String, pods: TestPods, attempts: Int = 1
    ) async throws -> (pod: CoreV1.Pod, sandboxID: String, containerIDs: [String]) {
        let pod = makePod(name: "web", uid: "uid-1", restartPolicy: "Always")
        let sandboxConfig = CRI.PodSandboxConfig(
            metadata: .init(name: "web", namespace: "default", uid: "uid-1"), hostNetwork: true, logDirectory: logDirectory)
        let sandboxID = try await runtime.runPodSandbox(sandboxConfig)
        _ = try await runtime.pullImage(CRI.ImageSpec("nginx"))
        var ids: [String] = []
        for attempt in 0..<attempts {
            let config = CRI.ContainerConfig(
                metadata: .init(name: "main", attempt: attempt), image: CRI.ImageSpec("nginx"),
                labels: [ContainerAnnotations.podUID: "uid-1", ContainerAnnotations.containerName: "main"],
                annotations: [ContainerAnnotations.restartPolicy: "Always"], logPath: "main/\(attempt).log")
            let id = try await runtime.createContainer(inSandbox: sandboxID, config: config, sandboxConfig: sandboxConfig)
            try await runtime.startContainer(id)
            if attempt < attempts - 1 { try await runtime.stopContainer(id, timeout: .zero) }
            ids.append(id)
        }
        pods.set([pod], sandboxes: ["uid-1": sandboxID])
        return (pod, sandboxID, ids)
    }

    @Test func servesContainerLogs() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/main", withIntermediateDirectories: true)
            try "2026-12-07T09:00:00Z stdout F before\n".write(toFile: directory + "/main/0.log", atomically: true, encoding: .utf8)
            try "2026-12-07T09:00:01Z stdout F one\n2026-12-07T09:00:02Z stderr P t\n2026-12-07T09:00:03Z stderr F wo\n"
                .write(toFile: directory + "/main/1.log", atomically: true, encoding: .utf8)
            let runtime = FakeRuntimeClient()
            let pods = TestPods()
            _ = try await Self.runningPod(runtime, logDirectory: directory, pods: pods, attempts: 2)
            try await ServerFixture.with(pods: pods, runtime: runtime, authorizer: Self.allowAll) { fixture in
                let alice = try fixture.pki.client("alice")
                func logs(_ query: [(name: String, value: String)] = [], path: String = "/containerLogs/default/web/main") async throws -> (Int, String) {
                    let response = try await fixture.request(path, query: query, certificate: alice)
                    return (response.status, String(decoding: response.body, as: UTF8.self))
                }
                #expect(try await logs() == (200, "one\ntwo\n"))
                #expect(try await logs([("tailLines", "1"), ("timestamps", "true")]) == (200, "2026-12-07T09:00:02Z two\n"))
                #expect(try await logs([("previous", "true")]) == (200, "before\n"))
                #expect(try await logs([("limitBytes", "2")]) == (200, "on"))
                #expect(try await logs([("sinceTime", "2026-12-07T09:00:02Z")]) == (200, "two\n"))
                let (badCode, badBody) = try await logs([("tailLines", "-3")])
                #expect(badCode == 400 && badBody.contains("tailLines"))
                let (unknownCode, unknownBody) = try await logs(path: "/containerLogs/default/nope/main")
                #expect(unknownCode == 404 && unknownBody.contains(#"pods \"nope\" not found"#))
                let (containerCode, containerBody) = try await logs(path: "/containerLogs/default/web/sidecar")
                #expect(containerCode == 400 && containerBody.contains("container sidecar is not valid for pod web"))
            }
        }
    }

    @Test func followedLogsStreamUntilTheContainerStops() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/main", withIntermediateDirectories: true)
            let path = directory + "/main/0.log"
            try "2026-12-07T09:00:00Z stdout F hello\n".write(toFile: path, atomically: true, encoding: .utf8)
            let runtime = FakeRuntimeClient()
            let pods = TestPods()
            let (_, _, ids) = try await Self.runningPod(runtime, logDirectory: directory, pods: pods)
            try await ServerFixture.with(pods: pods, runtime: runtime, authorizer: Self.allowAll) { fixture in
                let transport = try fixture.transport(certificate: fixture.pki.client("alice"))
                let response = try await transport.stream(KubeRequest(
                    method: .get, path: "/containerLogs/default/web/main", query: [("follow", "true")]))
                #expect(response.status == 200)
                let received = Mutex("")
                let reader = Task {
                    for try await chunk in response.body { received.withLock { $0 += String(decoding: chunk, as: UTF8.self) } }
                }
                try await eventually("the first line", timeout: .seconds(10)) { received.withLock { $0 } == "hello\n" }
                try ContainerLogTests.append("2026-12-07T09:00:01Z stdout F world\n", to: path)
                try await eventually("the appended line", timeout: .seconds(10)) { received.withLock { $0 } == "hello\nworld\n" }
                try await runtime.stopContainer(ids[0], timeout: .zero)
                try await withDeadline(.seconds(10), "the response ends when the container stops") { try await reader.value }
                await transport.shutdown()
            }
        }
    }

    // MARK: Streaming

    @Test func streamingOnHollowContainersGivesTheRuntimeError() async throws {
        let runtime = FakeRuntimeClient()
        let pods = TestPods()
        _ = try await Self.runningPod(runtime, logDirectory: "", pods: pods)
        try await ServerFixture.with(pods: pods, runtime: runtime, authorizer: Self.allowAll) { fixture in
            let alice = try fixture.pki.client("alice")
            let cases: [(String, Int, String)] = [
                ("POST /exec/default/web/main?command=sh&input=1&output=1&tty=1", 500, "hollow containers cannot stream (exec)"),
                ("GET /attach/default/web/main?output=1", 500, "hollow containers cannot stream (attach)"),
                ("POST /portForward/default/web", 500, "hollow sandboxes cannot stream (port-forward)"),
                ("POST /exec/default/gone/main?command=sh", 404, #"pods "gone" not found"#),
                ("POST /exec/default/web/main", 400, "you must specify at least 1 command"),
            ]
            for (line, code, message) in cases {
                let (head, body) = try await Self.upgrade(fixture, certificate: alice, requestLine: line)
                #expect(head.hasPrefix("HTTP/1.1 \(code) "), "\(line): \(head)")
                let status = try JSONValue(parsing: Array(body.utf8))
                #expect(status["kind"]?.stringValue == "Status")
                #expect(status["code"]?.intValue == Int64(code))
                #expect(status["message"]?.stringValue?.contains(message) == true, "\(line): \(body)")
            }
            // Without an upgrade the request is refused at once.
            let plain = try await fixture.request("/exec/default/web/main", query: [("command", "sh")], method: .post, certificate: alice)
            #expect(plain.status == 400)
            #expect(String(decoding: plain.body, as: UTF8.self).contains("Upgrade request required"))
        }
    }

    /// Sends an upgrade request on a raw TLS connection and reads one whole (non-101) response.
    static func upgrade(
        _ fixture: ServerFixture, certificate: ClientCertificateCredentials, requestLine: String
    ) async throws -> (head: String, body: String) {
        let connection = try await fixture.rawConnection(certificate: certificate)
        return try await withDeadline(.seconds(20), "the upgrade answer") { try await connection.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: "\(requestLine) HTTP/1.1\r\nHost: node-a\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n"))
            var iterator = inbound.makeAsyncIterator()
            var received: [UInt8] = []
            try await read(&iterator, into: &received) { bytes in
                guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return false }
                let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).lowercased()
                guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                      let length = Int(line.dropFirst("content-length:".count).trimmingSpaces()) else { return false }
                return bytes.count - end.upperBound >= length
            }
            let end = try #require(received.firstRange(of: Array("\r\n\r\n".utf8)))
            return (String(decoding: received[..<end.lowerBound], as: UTF8.self), String(decoding: received[end.upperBound...], as: UTF8.self))
        } }
    }

    /// A server whose fake runtime hands out `upstream`'s URL, with a running pod `web`; `body`
    /// gets the fixture and the container IDs. The upstream stops afterwards.
    static func withStreamingServer(
        _ upstream: FakeStreamingServer, _ body: (ServerFixture, [String]) async throws -> Void
    ) async throws {
        var configuration = FakeRuntimeClient.Configuration()
        configuration.streamingServer = upstream.baseURL
        let runtime = FakeRuntimeClient(configuration: configuration)
        let pods = TestPods()
        let (_, _, ids) = try await Self.runningPod(runtime, logDirectory: "", pods: pods)
        do {
            try await ServerFixture.with(pods: pods, runtime: runtime, authorizer: Self.allowAll) { try await body($0, ids) }
        } catch {
            await upstream.stop()
            throw error
        }
        await upstream.stop()
    }

    @Test func upgradesAreSplicedToTheStreamingServer() async throws {
        let upstream = try await FakeStreamingServer()
        try await Self.withStreamingServer(upstream) { fixture, ids in
            let connection = try await fixture.rawConnection(certificate: fixture.pki.client("alice"))
            try await withDeadline(.seconds(20), "the spliced exchange") { try await connection.executeThenClose { inbound, outbound in
                // Bytes sent right behind the request head must reach the upstream after it.
                try await outbound.write(ByteBuffer(string: "POST /exec/default/web/main?command=sh&command=-c&input=1&output=1 HTTP/1.1\r\nHost: node-a\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io\r\nAuthorization: Bearer secret\r\nContent-Length: 0\r\n\r\nearly"))
                var iterator = inbound.makeAsyncIterator()
                var received: [UInt8] = []
                try await read(&iterator, into: &received) { String(decoding: $0, as: UTF8.self).hasSuffix("\r\n\r\nearly") }
                let text = String(decoding: received, as: UTF8.self)
                #expect(text.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
                #expect(text.contains("Upgrade: SPDY/3.1"))
                received = []
                try await outbound.write(ByteBuffer(string: "ping"))
                try await read(&iterator, into: &received) { $0 == Array("ping".utf8) }
                #expect(received == Array("ping".utf8))
                // Half-close: the upstream sees EOF, answers, and the answer still arrives.
                outbound.finish()
                received = []
                try await read(&iterator, into: &received) { _ in false }
                #expect(String(decoding: received, as: UTF8.self) == "bye")
            } }
            let heads = upstream.heads.withLock { $0 }
            #expect(heads.count == 1)
            let head = heads.first ?? ""
            #expect(head.hasPrefix("POST /exec/\(ids[0])?command=sh&command=-c&input=1&output=1 HTTP/1.1\r\n"))
            #expect(head.contains("Host: 127.0.0.1:\(upstream.port)"))
            #expect(head.contains("X-Stream-Protocol-Version: v4.channel.k8s.io\r\nX-Stream-Protocol-Version: channel.k8s.io"))
            #expect(!head.lowercased().contains("authorization"))
        }
    }

    @Test func webSocketUpgradesPassThroughIntact() async throws {
        let upstream = try await FakeStreamingServer()
        try await Self.withStreamingServer(upstream) { fixture, ids in
            let connection = try await fixture.rawConnection(certificate: fixture.pki.client("alice"))
            try await withDeadline(.seconds(20), "the WebSocket exchange") { try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "GET /attach/default/web/main?output=1&error=1 HTTP/1.1\r\nHost: node-a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v4.channel.k8s.io, base64.channel.k8s.io\r\n\r\n"))
                var iterator = inbound.makeAsyncIterator()
                var received: [UInt8] = []
                try await read(&iterator, into: &received) { String(decoding: $0, as: UTF8.self).hasSuffix("\r\n\r\n") }
                #expect(String(decoding: received, as: UTF8.self).hasPrefix("HTTP/1.1 101 "))
                received = []
                try await outbound.write(ByteBuffer(bytes: [0x82, 0x01, 0x01]))
                try await read(&iterator, into: &received) { $0.count >= 3 }
                #expect(received == [0x82, 0x01, 0x01])
            } }
            let head = upstream.heads.withLock { $0 }.first ?? ""
            #expect(head.hasPrefix("GET /attach/\(ids[0])?output=1&error=1 HTTP/1.1\r\n"))
            #expect(head.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"))
            #expect(head.hasSuffix("\r\nSec-WebSocket-Protocol: v4.channel.k8s.io, base64.channel.k8s.io"))
            #expect(head.contains("Upgrade: websocket\r\n"))
        }
    }

    @Test func anUpstreamErrorReachesTheClientUnchanged() async throws {
        let upstream = try await FakeStreamingServer(failWith: "HTTP/1.1 404 Not Found")
        try await Self.withStreamingServer(upstream) { fixture, _ in
            let (head, body) = try await Self.upgrade(
                fixture, certificate: try fixture.pki.client("alice"), requestLine: "GET /portForward/default/web?port=8080")
            #expect(head.hasPrefix("HTTP/1.1 404 Not Found"))
            #expect(try JSONValue(parsing: Array(body.utf8))["message"]?.stringValue == "no such session")
            #expect(upstream.heads.withLock { $0 }.first?.contains("?port=8080 HTTP/1.1") == true)
        }
    }
}

