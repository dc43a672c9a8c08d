import Foundation
import Testing

/// `kubectl cordon`, `drain` and `uncordon` against a real `k3s server` with hollow nodes: a
/// drain stops at a pod its PodDisruptionBudget protects (the eviction subresource answers 429)
/// and goes through once the budget is relaxed (the disruption controller updates it).
@Suite(.enabled(if: K3sServerProcess.kubectlAvailable, "needs kubectl on PATH"))
struct DrainKubectlTests {
    @Test func drainHonoursTheDisruptionBudget() async throws {
        let (server, agent) = try await K3sServerProcess.startCluster(nodes: 2)
        defer { agent.stop(); server.stop() }

        try await server.kubectlOK("create", "deployment", "web", "--image=nginx", "--replicas=1")
        try await server.kubectlOK("create", "poddisruptionbudget", "web", "--selector=app=web", "--min-available=1")
        try await server.eventually(["get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}"]) {
            $0 == "1/1/0"
        }
        let node = try await server.eventually(["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.nodeName}"]) { !$0.isEmpty }
        let pod = try await server.kubectlOK("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}")

        let blocked = try await server.kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=8s")
        #expect(blocked.status != 0, "\(blocked.stdout)\(blocked.stderr)")
        #expect(blocked.stdout.contains("node/\(node) cordoned"), "\(blocked.stdout)")
        #expect(blocked.stderr.contains("Cannot evict pod as it would violate the pod's disruption budget."), "\(blocked.stderr)")
        #expect(try await server.kubectlOK("get", "node", node, "-o", "jsonpath={.spec.unschedulable}") == "true")
        #expect(try await server.kubectlOK("get", "pod", pod, "-o", "jsonpath={.metadata.name}") == pod, "the protected pod stays")

        try await server.kubectlOK("patch", "pdb", "web", "--type=merge", "-p", #"{"spec":{"minAvailable":0}}"#)
        try await server.eventually(["get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"]) { $0 == "1" }
        let drained = try await server.kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=90s")
        if drained.status != 0 {
            // What the node saw, to tell a lost watch event from a stuck pod worker.
            let pods = try await server.kubectl("get", "pods", "-o", "yaml")
            Issue.record("drain failed: \(drained.stdout)\(drained.stderr)\npods:\n\(pods.stdout)\nagent log tail:\n\(agent.log.suffix(6000))")
        }
        #expect(drained.stdout.contains("pod/\(pod) evicted"), "\(drained.stdout)")
        #expect(drained.stdout.contains("node/\(node) drained"), "\(drained.stdout)")
        // The Deployment replaces the pod on the other node.
        try await server.eventually(["get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase}{\"\\n\"}{end}"]) { output in
            let rows = output.split(separator: "\n").map { $0.split(separator: " ") }
            return rows.count == 1 && rows[0].count == 3 && rows[0][0] != Substring(pod) && rows[0][1] != Substring(node) && rows[0][2] == "Running"
        }

        #expect(try await server.kubectlOK("uncordon", node).contains("node/\(node) uncordoned"))
        #expect(try await server.kubectlOK("get", "node", node, "-o", "jsonpath={.spec.unschedulable}") == "")
        #expect(try await server.kubectlOK("cordon", node).contains("node/\(node) cordoned"))
        #expect(try await server.kubectlOK("get", "node", node, "-o", "jsonpath={.spec.unschedulable}") == "true")
        let nodes = try await server.kubectlOK("get", "node", node, "--no-headers")
        #expect(nodes.contains("SchedulingDisabled"), "\(nodes)")
    }
}
