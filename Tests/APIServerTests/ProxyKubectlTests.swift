@testable import APIServer
import ClusterTesting
import Foundation
import Testing

/// The real kubectl (v1.32 on the CI machine) against the proxy: `kubectl logs -f` over its
/// default HTTP/2, and `kubectl exec`, which first tries a WebSocket `v5.channel.k8s.io`
/// upgrade and must fall back to SPDY/3.1 when the API server refuses it.
@Suite(
    "Proxy: real kubectl", .serialized,
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl"), "needs /usr/bin/kubectl"))
struct ProxyKubectlTests {
    private func kubeconfig(_ server: ProxyTestServer) throws -> String {
        let pki = TestPKI.shared
        let path = pki.directory.appendingPathComponent("kubeconfig-\(UUID().uuidString)").path
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: https://127.0.0.1:\(server.port)
                certificate-authority: \(pki.caFile)
            users:
            - name: admin
              user:
                token: \(ProxyTestServer.adminToken)
            contexts:
            - name: test
              context: {cluster: test, user: admin, namespace: default}
            current-context: test

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func kubectl(_ config: String, _ arguments: [String]) -> CurlProcess {
        CurlProcess(executable: "/usr/bin/kubectl", arguments: ["--kubeconfig", config] + arguments)
    }

    @Test("kubectl logs -f streams the kubelet's log")
    func logsFollow() async throws {
        try await FakeKubelet.with { kubelet, kubeletPort in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-a", kubeletPort: kubeletPort)
                try await server.createPod("web", containers: ["app"], node: "node-a")
                let config = try kubeconfig(server)
                let logs = kubectl(config, ["logs", "-f", "web"])
                try logs.start(streaming: true)
                defer { logs.terminate() }
                #expect(try await logs.awaitOutput(atLeast: 7) == Array("line 1\n".utf8))
                let log = try await kubelet.firstLog()
                log.continuation.yield(Array("line 2\n".utf8))
                #expect(try await logs.awaitOutput(atLeast: 14) == Array("line 1\nline 2\n".utf8))
                log.continuation.finish()
                #expect(try await logs.awaitExit() == 0)
                #expect(kubelet.recorded.first?.queryValue("follow") == "true")
            }
        }
    }

    @Test("kubectl exec falls back from the refused WebSocket upgrade to SPDY/3.1")
    func execFallsBackToSPDY() async throws {
        try await FakeStreamingKubelet.with { kubelet in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-s", kubeletPort: kubelet.port)
                try await server.createPod("shell", containers: ["sh"], node: "node-s")
                let config = try kubeconfig(server)
                // The fake kubelet only echoes, so the SPDY session itself goes nowhere: what
                // matters is that kubectl's second attempt, a SPDY upgrade, reached the kubelet.
                let exec = kubectl(config, ["exec", "shell", "--", "echo", "hi"])
                try exec.start(streaming: true)
                defer { exec.terminate() }
                let head = try await eventually("kubectl's SPDY upgrade at the kubelet", timeout: .seconds(30)) {
                    kubelet.heads.withLock { $0.first }
                }
                #expect(head.hasPrefix("POST /exec/default/shell/sh?command=echo&command=hi&output=1&error=1 HTTP/1.1"))
                #expect(head.lowercased().contains("upgrade: spdy/3.1"))
            }
        }
    }

    @Test("kubectl port-forward falls back from the refused WebSocket tunnel to SPDY/3.1")
    func portForwardFallsBackToSPDY() async throws {
        try await FakeStreamingKubelet.with { kubelet in
            try await ProxyTestServer.with { server in
                try await server.createNode("node-s", kubeletPort: kubelet.port)
                try await server.createPod("shell", containers: ["sh"], node: "node-s", running: true)
                let config = try kubeconfig(server)
                let forward = kubectl(config, ["port-forward", "--address", "127.0.0.1", "pod/shell", ":8080"])
                try forward.start(streaming: true)
                defer { forward.terminate() }
                let head = try await eventually("kubectl's SPDY port-forward upgrade at the kubelet", timeout: .seconds(30)) {
                    kubelet.heads.withLock { $0.first }
                }
                #expect(head.hasPrefix("POST /portForward/default/shell HTTP/1.1"))
                #expect(head.lowercased().contains("upgrade: spdy/3.1"))
            }
        }
    }
}
