import Foundation
import Testing

/// `k3s kubectl` runs the system's kubectl with its arguments passed through; a missing tool is
/// a clear error naming where to get it.
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct ToolCommandsTests {
    @Test func kubectlRunsThroughK3sAndAMissingToolIsNamed() async throws {
        let server = try await K3sServerProcess.start()
        defer { server.stop() }
        let k3s = try K3sServerProcess.builtExecutable("k3s")
        let namespaces = try await run(k3s, ["kubectl", "--kubeconfig", server.kubeconfig, "get", "namespaces", "-o", "name"])
        #expect(namespaces.status == 0, "\(namespaces.stderr)")
        #expect(namespaces.stdout.contains("namespace/kube-system"), "\(namespaces.stdout)")

        let missing = try await run("/usr/bin/env", ["PATH=/nonexistent", k3s, "crictl", "ps"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("crictl is not installed"), "\(missing.stderr)")
    }
}
