@testable import APIServer
import ClusterTesting
import Foundation
import KubeAPI
import Kubelet
import Logging
import Testing

/// The API server's proxy against the kubelet's own HTTPS server (`KubeletServer`, with the
/// fake runtime pointing at a fake CRI streaming server): the two halves of `kubectl
/// port-forward` meet.
@Suite("Proxy: through the real kubelet server", .serialized)
struct ProxyKubeletServerTests {
    final class StaticPods: KubeletPodSource {
        let pods: [CoreV1.Pod]
        let sandboxes: [String: String]

        init(pods: [CoreV1.Pod], sandboxes: [String: String]) {
            self.pods = pods
            self.sandboxes = sandboxes
        }

        func currentPods() -> [CoreV1.Pod] { pods }
        func sandboxID(podUID uid: String) -> String? { sandboxes[uid] }
    }

    struct AllowAll: KubeletAuthorizer {
        func authorize(_ user: KubeletUser, _ attributes: KubeletRequestAttributes) async throws -> KubeletAuthorizationDecision {
            KubeletAuthorizationDecision(allowed: user.name == "alice", reason: "only the API server's certificate")
        }
    }

    @Test("a SPDY port-forward goes API server → kubelet server → CRI streaming server and back")
    func portForward() async throws {
        try await FakeStreamingKubelet.with(tls: false) { cri in
            var runtimeConfiguration = FakeRuntimeClient.Configuration()
            runtimeConfiguration.streamingServer = "http://127.0.0.1:\(cri.port)"
            let runtime = FakeRuntimeClient(configuration: runtimeConfiguration)
            try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
            let sandbox = try await runtime.runPodSandbox(CRI.PodSandboxConfig(
                metadata: CRI.PodSandboxMetadata(name: "shell", namespace: "default", uid: "uid-shell")))
            let pod = CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(name: "shell", namespace: "default", uid: "uid-shell"),
                spec: CoreV1.PodSpec(containers: [CoreV1.Container(name: "sh")], nodeName: "node-k"))
            let pki = TestPKI.shared
            let kubelet = KubeletServer(
                configuration: .init(
                    nodeName: "node-k", host: "127.0.0.1", port: 0, certificateChainPEM: pki.serverCertPEM + "\n" + pki.caPEM + "\n",
                    privateKeyPEM: pki.serverKeyPEM, clientCAPEM: pki.caPEM),
                pods: StaticPods(pods: [pod], sandboxes: ["uid-shell": sandbox]), runtime: runtime,
                authenticator: nil, authorizer: AllowAll(),
                logger: Logger(label: "kubelet", factory: { _ in SwiftLogNoOpLogHandler() }))
            try await kubelet.start()
            do {
                try await ProxyTestServer.with { server in
                    try await server.createNode("node-k", kubeletPort: try #require(kubelet.port))
                    try await server.createPod("shell", containers: ["sh"], node: "node-k")
                    let client = try await RawTLSClient.connect(port: server.port)
                    try await client.send([
                        "POST /api/v1/namespaces/default/pods/shell/portforward?ports=8080 HTTP/1.1", "Host: 127.0.0.1",
                        "Authorization: Bearer \(ProxyTestServer.adminToken)", "Connection: Upgrade", "Upgrade: SPDY/3.1",
                        "X-Stream-Protocol-Version: portforward.k8s.io",
                    ].joined(separator: "\r\n") + "\r\n\r\n")
                    let greeting = try await client.awaitText(containing: "ready\n")
                    #expect(greeting.hasPrefix("HTTP/1.1 101"))
                    try await client.send("ping\n")
                    try await client.awaitText(containing: "ready\nping\n")
                    let head = try #require(cri.heads.withLock { $0.first })
                    #expect(head.hasPrefix("POST /portforward/\(sandbox)"))
                    await client.close()
                }
            } catch {
                await kubelet.shutdown()
                throw error
            }
            await kubelet.shutdown()
        }
    }
}
