import Foundation
import Testing

/// A real node's certificates under `DATA_DIR/agent`: renewed at every start with the same key,
/// and `k3s certificate rotate --service kubelet` gives the next start a new key the API server
/// and kubelet still agree on.
@Suite("Real node certificates", .enabled(if: RealNode.available))
struct RealNodeCertificateTests {
    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// Waits (60 s at most) until `path` holds something other than `old`: the restarted
    /// server's node joins after its API is up (the Node may still read Ready from before).
    func waitForChange(_ path: String, from old: String?) async throws -> String? {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let text = try? read(path), text != old { return text }
            try await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    @Test("node certificates renew at start and rotate with a new key")
    func nodeCertificatesRenewAndRotate() async throws {
        let node = try await RealNode.start()
        defer { node.stop() }
        let agent = node.dataDir + "/agent"
        let firstCertificate = try read(agent + "/client-kubelet.crt")
        let firstKey = try read(agent + "/client-kubelet.key")
        #expect(try read(agent + "/serving-kubelet.key") == firstKey)
        #expect(try read(agent + "/server-ca.crt") == (try read(node.dataDir + "/server/tls/server-ca.crt")))

        node.killServer()
        try node.startServer()
        try await node.waitReady()
        #expect(try await waitForChange(agent + "/client-kubelet.crt", from: firstCertificate) != nil, "renewed at start")
        #expect(try read(agent + "/client-kubelet.key") == firstKey, "with the same key")

        node.killServer()
        let k3s = try K3sServerProcess.builtExecutable("k3s")
        let rotated = try await run(k3s, ["certificate", "rotate", "--data-dir", node.dataDir, "--service", "kubelet"])
        #expect(rotated.status == 0, "\(rotated.stderr)")
        #expect(!FileManager.default.fileExists(atPath: agent + "/client-kubelet.key"))
        try node.startServer()
        try await node.waitReady()
        let newKey = try await waitForChange(agent + "/client-kubelet.key", from: nil)
        #expect(newKey != nil && newKey != firstKey, "a new key after rotate")
        // The API server reaches the kubelet's new serving certificate (logs go through it).
        try await node.kubectlOK("run", "certs", "--image", RealNodeImage.name, "--restart", "Never", "--", "echo", "rotated")
        _ = try await node.waitFor("the pod's log", ["logs", "certs"], timeout: .seconds(60)) { $0 == "rotated\n" }
        let check = try await run(k3s, ["certificate", "check", "--data-dir", node.dataDir, "--output", "table"])
        for file in ["client-kubelet.crt", "serving-kubelet.crt"] {
            #expect(check.stdout.split(separator: "\n").contains { $0.hasPrefix(file) && $0.hasSuffix("OK") }, "\(check.stdout)")
        }
    }
}
