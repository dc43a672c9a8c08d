import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// `k3s-bench scale`: upstream's published envelope (5,000 nodes, 150,000 pods) on one machine.
/// A `k3s server` process (SQLite) and a `k3s agent --hollow-nodes N` process joined over
/// HTTPS; `deployments` Deployments share the pods. While the pods roll out, a probe measures
/// single-object GET and CREATE and a namespace LIST from the client's side (upstream's SLO:
/// p99 <= 1 s for single objects); the server's resident memory is sampled every second.
struct ScaleBench {
    var nodes = 5000
    var pods = 150_000
    var deployments = 30

    func run() async throws {
        let k3s = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("k3s").path
        guard FileManager.default.isExecutableFile(atPath: k3s) else {
            throw BenchError("build k3s first: swift build -c release --product k3s")
        }
        let bench = ClusterBench(quick: false)
        let parameters: [(String, Figure.Parameter)] = [("nodes", .int(nodes)), ("pods", .int(pods)), ("deployments", .int(deployments))]
        func emit(_ name: String, _ value: Double, _ unit: String, _ extra: [(String, Figure.Parameter)] = []) {
            bench.emit("scale", name, value, unit, parameters + extra, backend: "sqlite")
        }

        progress("starting k3s server and k3s agent with \(nodes) hollow nodes")
        // A /24 per node: 10.64.0.0/10 holds 16,384 of them.
        let server = try K3sServer(binary: k3s, extraArguments: ["--cluster-cidr", "10.64.0.0/10"])
        defer { server.stop() }
        _ = try server.waitUntilReady()
        let transport = try HTTPSTransport(kubeconfig: server.kubeconfig)
        defer { Task { await transport.shutdown() } }
        let client = KubeClient(transport: transport, userAgent: "k3s-bench-scale")

        let peakRSS = Locked(0.0)
        let serverPID = server.pid
        let sampler = Task {
            while !Task.isCancelled {
                let rss = residentSetMB(pid: serverPID)
                if rss.isFinite { peakRSS.withLock { $0 = max($0, rss) } }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { sampler.cancel() }

        let start = ContinuousClock.now
        let agent = try K3sAgent(binary: k3s, server: server, nodeName: "hollow", hollowNodes: nodes)
        defer { agent.stop() }
        try await bench.poll(timeout: .seconds(1200), "\(nodes) Ready nodes") {
            guard agent.process.isRunning else { throw BenchError("k3s agent exited with \(agent.process.terminationStatus)") }
            try await Task.sleep(for: .seconds(1))
            let list = try await client.resource(CoreV1.Node.self).list()
            let ready = list.items.filter { $0.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true }.count
            progress("  \(ready) Ready nodes")
            return ready >= nodes
        }
        emit("nodes_ready_s", (ContinuousClock.now - start).seconds, "s")

        let namespace = "k3s-bench-scale"
        _ = try await client.resource(CoreV1.Namespace.self).create(CoreV1.Namespace(metadata: .init(name: namespace)))
        let probe = LatencyProbe(client: client, namespace: namespace)
        let probing = Task { await probe.run() }

        progress("\(deployments) deployments, \(pods) pods in all")
        let began = ContinuousClock.now
        let deploymentClient = client.resource(AppsV1.Deployment.self)
        let base = pods / deployments
        for i in 0..<deployments {
            let replicas = base + (i < pods % deployments ? 1 : 0)
            _ = try await deploymentClient.create(Self.deployment(name: "scale-\(i)", replicas: replicas), namespace: namespace)
        }
        var lastReport = 0
        try await bench.poll(timeout: .seconds(3600), "\(pods) available replicas") {
            guard agent.process.isRunning else { throw BenchError("k3s agent exited with \(agent.process.terminationStatus)") }
            try await Task.sleep(for: .seconds(2))
            let list = try await deploymentClient.list(namespace: namespace)
            let available = list.items.reduce(0) { $0 + ($1.status?.availableReplicas ?? 0) }
            if available / 10_000 != lastReport / 10_000 { progress("  \(available) available") }
            lastReport = available
            return available >= pods
        }
        emit("pods_running_s", (ContinuousClock.now - began).seconds, "s")
        probing.cancel()
        _ = await probing.value

        for (verb, samples) in probe.samples() {
            let shape: [(String, Figure.Parameter)] = [("verb", .string(verb)), ("samples", .int(samples.count)), ("errors", .int(probe.failures(verb)))]
            emit("api_p99_ms", percentile(samples, 0.99), "ms", shape)
            emit("api_p50_ms", percentile(samples, 0.5), "ms", shape)
        }
        emit("server_rss_peak_mb", peakRSS.withLock { $0 }, "MB", [("process", .string("server"))])
        emit("server_rss_mb", settledRSS(server.pid), "MB", [("process", .string("server"))])
        emit("agent_rss_mb", settledRSS(agent.pid), "MB", [("process", .string("agent"))])
    }

    static func deployment(name: String, replicas: Int) -> AppsV1.Deployment {
        AppsV1.Deployment(
            metadata: .init(name: name),
            spec: .init(
                replicas: replicas, selector: .init(matchLabels: ["app": name]),
                template: .init(
                    metadata: .init(labels: ["app": name]),
                    spec: .init(containers: [.init(
                        image: "registry.k8s.io/pause:3.10", name: "c",
                        resources: .init(requests: ["cpu": Quantity("10m"), "memory": Quantity("16Mi")]))]))))
    }
}

/// Single-object GET and CREATE and a small namespace LIST, one of each every 200 ms, timed
/// from the client's side (so the figures include TLS and the client's decoding).
final class LatencyProbe: Sendable {
    let client: KubeClient
    let namespace: String
    private let recorded = Mutex<[String: [Double]]>([:])
    private let failed = Mutex<[String: Int]>([:])

    init(client: KubeClient, namespace: String) {
        self.client = client
        self.namespace = namespace
    }

    /// The latencies (ms) of each verb's successful calls.
    func samples() -> [(String, [Double])] {
        recorded.withLock { $0.sorted { $0.key < $1.key } }
    }

    /// How many calls of `verb` failed.
    func failures(_ verb: String) -> Int {
        failed.withLock { $0[verb] ?? 0 }
    }

    func run() async {
        let configMaps = client.resource(CoreV1.ConfigMap.self)
        var i = 0
        while !Task.isCancelled {
            let name = "probe-\(i)"
            await time("create") {
                _ = try await configMaps.create(CoreV1.ConfigMap(data: ["n": String(i)], metadata: .init(name: name)), namespace: namespace)
            }
            await time("get") { _ = try await configMaps.get(name, namespace: namespace) }
            // The probe's own namespace keeps the LIST small (upstream's SLO is per object count).
            await time("list") { _ = try await configMaps.list(namespace: namespace, options: .init(limit: 100)) }
            i += 1
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private func time(_ verb: String, _ call: () async throws -> Void) async {
        let start = ContinuousClock.now
        do {
            try await call()
            let ms = (ContinuousClock.now - start).seconds * 1000
            recorded.withLock { $0[verb, default: []].append(ms) }
        } catch {
            failed.withLock { $0[verb, default: 0] += 1 }
        }
    }
}
