@testable import APIServer
import ClusterTesting
import Foundation
import KubeAPI
import Testing

@Suite("Proxy: exec, attach and port-forward upgrades spliced to the kubelet", .serialized)
struct ProxyUpgradeTests {
    private func upgradeRequest(
        _ method: String, _ target: String, upgrade: String = "SPDY/3.1", extra: [String] = [],
        token: String = ProxyTestServer.adminToken
    ) -> String {
        var lines = [
            "\(method) \(target) HTTP/1.1", "Host: 127.0.0.1", "Authorization: Bearer \(token)",
            "Connection: Upgrade", "Upgrade: \(upgrade)",
        ]
        lines += extra
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    private func withStreamingNode(_ body: (ProxyTestServer, FakeStreamingKubelet) async throws -> Void) async throws {
        try await FakeStreamingKubelet.with { kubelet in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-s", kubeletPort: kubelet.port)
                try await server.createPod("shell", containers: ["sh"], node: "node-s")
                try await body(server, kubelet)
            }
        }
    }

    @Test("a SPDY exec upgrade gets the kubelet's 101 and the connection is spliced both ways")
    func execSplicedBothWays() async throws {
        try await withStreamingNode { server, kubelet in
            let client = try await RawTLSClient.connect(port: server.port)
            try await client.send(upgradeRequest(
                "POST", "/api/v1/namespaces/default/pods/shell/exec?command=sh&command=-c&command=echo%20hi&stdin=true&stdout=true&tty=true",
                extra: ["X-Stream-Protocol-Version: v4.channel.k8s.io", "X-Stream-Protocol-Version: channel.k8s.io"]))
            let greeting = try await client.awaitText(containing: "ready\n")
            #expect(greeting.hasPrefix("HTTP/1.1 101"))
            #expect(greeting.lowercased().contains("x-stream-protocol-version: v4.channel.k8s.io"))
            #expect(!greeting.lowercased().contains("transfer-encoding"))

            try await client.send("ping\n")
            try await client.awaitText(containing: "ready\nping\n")
            try await client.send("pong\n")
            try await client.awaitText(containing: "ready\nping\npong\n")

            let head = try #require(kubelet.heads.withLock { $0.first })
            #expect(head.hasPrefix("POST /exec/default/shell/sh?command=sh&command=-c&command=echo%20hi&input=1&output=1&tty=1 HTTP/1.1"))
            #expect(head.contains("X-Stream-Protocol-Version: v4.channel.k8s.io"))
            #expect(head.contains("X-Stream-Protocol-Version: channel.k8s.io"))
            #expect(!head.contains("Authorization"))

            await client.close()
            try await withDeadline(.seconds(20), "the kubelet connection closing") { await kubelet.connectionClosed.wait() }
        }
    }

    @Test("8 MiB through the tunnel and back arrive intact (flow control holds)")
    func largeTransfer() async throws {
        try await withStreamingNode { server, _ in
            let client = try await RawTLSClient.connect(port: server.port)
            try await client.send(upgradeRequest("POST", "/api/v1/namespaces/default/pods/shell/exec?command=sh&stdin=true"))
            let greeting = try await client.awaitText(containing: "ready\n")
            let line = String(repeating: "0123456789abcdef", count: 63) + "!\n"
            let payload = String(repeating: line, count: 8 * 1024)
            try await client.send(payload)
            let expected = greeting.utf8.count + payload.utf8.count
            try await eventually("the echo of 8 MiB", timeout: .seconds(60), interval: .milliseconds(50)) {
                client.text.utf8.count >= expected
            }
            let echoed = client.text
            #expect(echoed.utf8.count == expected)
            #expect(echoed.hasSuffix(payload))
            await client.close()
        }
    }

    @Test("stopping the API server closes an open tunnel and its kubelet connection")
    func shutdownClosesTunnel() async throws {
        try await withStreamingNode { server, kubelet in
            let client = try await RawTLSClient.connect(port: server.port)
            try await client.send(upgradeRequest("POST", "/api/v1/namespaces/default/pods/shell/exec?command=sh&stdout=true"))
            try await client.awaitText(containing: "ready\n")
            try await withDeadline(.seconds(30), "the server stopping with a tunnel open") { await server.stop() }
            try await client.awaitClosed()
            try await withDeadline(.seconds(20), "the kubelet connection closing") { await kubelet.connectionClosed.wait() }
        }
    }

    @Test("attach and port-forward use the kubelet's paths")
    func attachAndPortForwardPaths() async throws {
        try await withStreamingNode { server, kubelet in
            let attach = try await RawTLSClient.connect(port: server.port)
            try await attach.send(upgradeRequest("POST", "/api/v1/namespaces/default/pods/shell/attach?container=sh&stdin=true&stderr=true"))
            try await attach.awaitText(containing: "ready\n")
            let forward = try await RawTLSClient.connect(port: server.port)
            try await forward.send(upgradeRequest("POST", "/api/v1/namespaces/default/pods/shell/portforward?ports=8080"))
            try await forward.awaitText(containing: "ready\n")
            let heads = kubelet.heads.withLock { $0 }
            #expect(heads.contains { $0.hasPrefix("POST /attach/default/shell/sh?input=1&error=1 HTTP/1.1") })
            #expect(heads.contains { $0.hasPrefix("POST /portForward/default/shell?port=8080 HTTP/1.1") })
            await attach.close()
            await forward.close()
        }
    }

    @Test("the kubelet's refusal of an upgrade is relayed")
    func kubeletRefusalRelayed() async throws {
        try await withStreamingNode { server, _ in
            let client = try await RawTLSClient.connect(port: server.port)
            try await client.send(upgradeRequest("POST", "/api/v1/namespaces/default/pods/shell/exec?command=fail&stdout=true"))
            let answer = try await client.awaitText(containing: "no such command")
            #expect(answer.hasPrefix("HTTP/1.1 400"))
            await client.close()
        }
    }

    @Test(
        "a WebSocket upgrade offering only protocols the node cannot speak is refused with 400 (kubectl falls back to SPDY)",
        arguments: [
            ("exec?command=sh&stdout=true", "v5.channel.k8s.io"),
            ("portforward?ports=80", "SPDY/3.1+portforward.k8s.io"),
        ])
    func webSocketV5Refused(subresource: String, subprotocol: String) async throws {
        try await withStreamingNode { server, kubelet in
            let client = try await RawTLSClient.connect(port: server.port)
            try await client.send(upgradeRequest(
                "GET", "/api/v1/namespaces/default/pods/shell/\(subresource)", upgrade: "websocket",
                extra: ["Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol: \(subprotocol)"]))
            let answer = try await client.awaitText(containing: "}")
            #expect(answer.hasPrefix("HTTP/1.1 400"))
            #expect(answer.contains(#""reason":"BadRequest""#))
            #expect(answer.contains(subprotocol))
            #expect(kubelet.heads.withLock { $0.isEmpty }, "nothing reached the kubelet")
            await client.close()
        }
    }

    @Test("a WebSocket upgrade offering a protocol the node speaks goes through")
    func webSocketV4Relayed() async throws {
        try await withStreamingNode { server, kubelet in
            let client = try await RawTLSClient.connect(port: server.port)
            try await client.send(upgradeRequest(
                "GET", "/api/v1/namespaces/default/pods/shell/exec?command=sh&stdout=true", upgrade: "websocket",
                extra: ["Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                        "Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io, base64url.bearer.authorization.k8s.io.c2VjcmV0"]))
            try await client.awaitText(containing: "ready\n")
            let head = try #require(kubelet.heads.withLock { $0.first })
            #expect(head.hasPrefix("GET /exec/default/shell/sh?command=sh&output=1 HTTP/1.1"))
            #expect(head.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="))
            #expect(head.contains("Sec-WebSocket-Protocol: v5.channel.k8s.io, v4.channel.k8s.io"))
            #expect(!head.contains("bearer"), "a token offered as a subprotocol stays at the API server")
            await client.close()
        }
    }

    @Test("without create on pods/exec a user is refused, also for a WebSocket GET allowed to get")
    func execNeedsCreate() async throws {
        try await withStreamingNode { server, kubelet in
            let denied = try await RawTLSClient.connect(port: server.port)
            try await denied.send(upgradeRequest("POST", "/api/v1/namespaces/default/pods/shell/exec?command=sh&stdout=true", token: ProxyTestServer.userToken))
            let answer = try await denied.awaitText(containing: "}")
            #expect(answer.hasPrefix("HTTP/1.1 403"))
            await denied.close()

            let role: JSONValue = [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": ["name": "exec-get"],
                "rules": [["apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]]],
            ]
            let binding: JSONValue = [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": "exec-get"],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec-get"],
                "subjects": [["apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bob"]],
            ]
            try ProxyTestServer.expectSuccess(await server.send(.post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", role))
            try ProxyTestServer.expectSuccess(await server.send(.post, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding))
            // Once the role applies, the GET passes `get` and fails on the synthetic `create`.
            let refused = try await eventually("bob refused for create, not get", timeout: .seconds(20)) { () async throws -> CurlResult? in
                let result = try await server.curl(
                    "/api/v1/namespaces/default/pods/shell/exec?command=sh&stdout=true", user: true)
                return result.text.contains(#"cannot create resource \"pods/exec\""#) ? result : nil
            }
            #expect(refused.status == 403)
            #expect(kubelet.heads.withLock { $0.isEmpty })
        }
    }
}
