import Foundation
import KubeAPI
import KubeClient

extension ClusterBench {
    /// `k3s-bench cluster` with real processes: a `k3s server` (SQLite, no agent) and a separate
    /// `k3s agent --hollow-nodes N` joined over HTTPS with the node token, so that
    /// `server_rss_mb` is the server's memory alone. Needs the release `k3s` built next to the bench.
    func separateProcesses(nodes: Int, replicas: Int) async throws {
        let k3s = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("k3s").path
        guard FileManager.default.isExecutableFile(atPath: k3s) else {
            throw BenchError("build k3s first: swift build -c release --product k3s")
        }
        progress("starting k3s server and k3s agent with \(nodes) hollow nodes")
        // The default cluster CIDR (10.42.0.0/16) has room for 256 node /24s; give every hollow
        // node one (10.64.0.0/10 overlaps neither the service range nor the hollow node IPs).
        let server = try K3sServer(binary: k3s, extraArguments: nodes > 256 ? ["--cluster-cidr", "10.64.0.0/10"] : [])
        defer { server.stop() }
        _ = try server.waitUntilReady()
        let transport = try HTTPSTransport(kubeconfig: server.kubeconfig)
        let client = KubeClient(transport: transport, userAgent: "k3s-bench")
        let start = ContinuousClock.now
        let agent = try K3sAgent(binary: k3s, server: server, nodeName: "hollow", hollowNodes: nodes)
        defer { agent.stop() }
        let parameters: [(String, Figure.Parameter)] = [("nodes", .int(nodes)), ("replicas", .int(replicas))]
        try await poll(timeout: .seconds(600), "\(nodes) Ready nodes") {
            guard agent.process.isRunning else { throw BenchError("k3s agent exited with \(agent.process.terminationStatus)") }
            let list = try await client.resource(CoreV1.Node.self).list()
            return list.items.filter { $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }.count >= nodes
        }
        emit("cluster", "nodes_ready_s", (ContinuousClock.now - start).seconds, "s", [("nodes", .int(nodes)), ("process", .string("separate"))], backend: "sqlite")

        progress("deployment of \(replicas) replicas")
        let deployments = client.resource(AppsV1.Deployment.self)
        let began = ContinuousClock.now
        _ = try await deployments.create(Self.deployment(replicas: replicas), namespace: "default")
        try await poll(timeout: .seconds(900), "\(replicas) available replicas") {
            (try await deployments.get("bench", namespace: "default").status?.availableReplicas ?? 0) >= replicas
        }
        emit("cluster", "deployment_running_s", (ContinuousClock.now - began).seconds, "s", parameters + [("process", .string("separate"))], backend: "sqlite")
        emit("cluster", "server_rss_mb", settledRSS(server.pid), "MB", parameters + [("process", .string("server"))], backend: "sqlite")
        emit("cluster", "agent_rss_mb", settledRSS(agent.pid), "MB", parameters + [("process", .string("agent"))], backend: "sqlite")
        await transport.shutdown()
    }

    /// Polls `condition` every 100 ms (KubeClient's `pollUntil`) until it holds; throws after
    /// `timeout`.
    func poll(timeout: Duration, _ what: String, _ condition: () async throws -> Bool) async throws {
        let _: Void = try await pollUntil(what, timeout: timeout, interval: .milliseconds(100)) { try await condition() ? () : nil }
    }
}
