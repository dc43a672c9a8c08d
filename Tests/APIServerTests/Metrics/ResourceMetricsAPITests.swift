@testable import APIServer
import ClusterTesting
import Crypto
import Datastore
import Foundation
import HTTPTypes
import KubeAPI
import KubeClient
import Logging
import Synchronization
import Testing

/// `metrics.k8s.io/v1beta1` served from a fake source: through the server's handler chain, and
/// over HTTPS with the real kubectl (`kubectl top`).
@Suite struct ResourceMetricsAPITests {
    /// A source whose answers a test changes.
    final class SwitchableSource: ResourceMetricsSource {
        let current = Mutex(StaticResourceMetricsSource())
        func set(_ source: StaticResourceMetricsSource) { current.withLock { $0 = source } }
        func nodeMetrics() async -> [NodeResourceMetrics] { current.withLock { $0.nodes } }
        func podMetrics() async -> [PodResourceMetrics] { current.withLock { $0.pods } }
    }

    static let sample = StaticResourceMetricsSource(
        nodes: [
            NodeResourceMetrics(name: "node-a", timestampMilliseconds: 1_765_000_000_500, windowMilliseconds: 15_003,
                                usage: ResourceUsage(cpuNanoCores: 250_000_000, memoryBytes: 1 << 30)),
            NodeResourceMetrics(name: "node-b", timestampMilliseconds: 1_765_000_000_500, windowMilliseconds: 15_000,
                                usage: ResourceUsage(cpuNanoCores: 1_000_000_000, memoryBytes: 2 << 30)),
            NodeResourceMetrics(name: "gone", timestampMilliseconds: 1, windowMilliseconds: 15_000, usage: ResourceUsage(cpuNanoCores: 1, memoryBytes: 1)),
        ],
        pods: [PodResourceMetrics(
            namespace: "default", name: "web", timestampMilliseconds: 1_765_000_000_500, windowMilliseconds: 15_000,
            containers: [
                ContainerResourceMetrics(name: "app", usage: ResourceUsage(cpuNanoCores: 100_000_000, memoryBytes: 2 << 20)),
                ContainerResourceMetrics(name: "sidecar", usage: ResourceUsage(cpuNanoCores: 50_000_000, memoryBytes: 1 << 20)),
            ])])

    /// Runs a server with TLS on a free loopback port serving `source`, with nodes node-a
    /// (`zone=east`) and node-b and pods web and db in `default`.
    static func withServer(source: any ResourceMetricsSource, _ body: (KubeAPIServer, Int) async throws -> Void) async throws {
        var configuration = KubeAPIServer.Configuration(
            host: "127.0.0.1", port: 0, tls: TestPKI.shared.credentials, serviceAccountKey: .es256(P256.Signing.PrivateKey()),
            tokenAuthFile: "admin-token,admin,admin-uid,system:masters\n")
        configuration.resourceMetrics = source
        let server = try KubeAPIServer(
            configuration: configuration,
            datastore: InMemoryDatastore(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let port = try await server.bind()
        let task = Task { try await server.run() }
        await server.waitUntilReady()
        do {
            try await populate(server)
            try await body(server, port)
        } catch {
            server.shutdown()
            task.cancel()
            _ = await task.result
            throw error
        }
        server.shutdown()
        task.cancel()
        _ = await task.result
    }

    static func populate(_ server: KubeAPIServer) async throws {
        let client = KubeClient(transport: server.transport(as: .admin), userAgent: "test")
        let nodes = client.resource(CoreV1.Node.self)
        for (name, labels) in [("node-a", ["zone": "east"]), ("node-b", ["zone": "west"])] {
            var node = try await nodes.create(CoreV1.Node(metadata: MetaV1.ObjectMeta(labels: labels, name: name)))
            node.status = CoreV1.NodeStatus(allocatable: ["cpu": "4", "memory": "8Gi"], capacity: ["cpu": "4", "memory": "8Gi"])
            _ = try await nodes.updateStatus(node)
        }
        for (name, app) in [("web", "web"), ("db", "db")] {
            _ = try await client.resource(CoreV1.Pod.self).create(CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(labels: ["app": app], name: name, namespace: "default"),
                spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "app")])))
        }
    }

    static func get(_ server: KubeAPIServer, _ path: String, query: [(name: String, value: String)] = [], accept: String? = nil) async -> (Int, JSONValue) {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        var request = APIRequest(method: .get, path: path, query: query, headers: headers)
        request.user = .admin
        let response = await server.authorizedHandler.handle(request)
        guard case .bytes(let bytes) = response.body else { return (response.status.code, .null) }
        return (response.status.code, (try? JSONValue(parsing: bytes)) ?? .null)
    }

    @Test func discoveryListGetAndTables() async throws {
        try await Self.withServer(source: Self.sample) { server, _ in
            let (code, resources) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1")
            #expect(code == 200)
            #expect(resources["groupVersion"] == "metrics.k8s.io/v1beta1")
            let listed = resources["resources"]?.arrayValue ?? []
            #expect(listed.map { $0["name"]?.stringValue ?? "" } == ["nodes", "pods"])
            #expect(listed.map { $0["kind"]?.stringValue ?? "" } == ["NodeMetrics", "PodMetrics"])
            #expect(listed.map { $0["namespaced"]?.boolValue ?? true } == [false, true])
            #expect(listed.allSatisfy { $0["verbs"] == ["get", "list"] })
            let (_, groups) = await Self.get(server, "/apis")
            #expect(groups["groups"]?.arrayValue?.contains { $0["name"] == "metrics.k8s.io" && $0[path: "preferredVersion", "version"] == "v1beta1" } == true)

            // Only nodes that exist are listed ("gone" has metrics but no Node).
            let (_, nodes) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/nodes")
            #expect(nodes["kind"] == "NodeMetricsList")
            #expect(nodes["items"]?.arrayValue?.map { $0.metadataString("name") } == ["node-a", "node-b"])
            let (_, east) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/nodes", query: [(name: "labelSelector", value: "zone=east")])
            let node = try #require(east["items"]?[0])
            #expect(east["items"]?.arrayValue?.count == 1)
            #expect(node["kind"] == "NodeMetrics")
            #expect(node[path: "metadata", "labels"] == ["zone": "east"])
            #expect(node["timestamp"] == "2025-12-06T05:46:40Z")
            #expect(node["window"] == "15.003s")
            #expect(node["usage"] == ["cpu": "250m", "memory": "1Gi"])

            let (podCode, pod) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web")
            #expect(podCode == 200)
            #expect(pod["kind"] == "PodMetrics")
            #expect(pod["containers"] == [
                ["name": "app", "usage": ["cpu": "100m", "memory": "2Mi"]],
                ["name": "sidecar", "usage": ["cpu": "50m", "memory": "1Mi"]],
            ])
            let (_, all) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/pods")
            #expect(all["items"]?.arrayValue?.map { $0.metadataString("name") } == ["web"])
            let (missingCode, missing) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/db")
            #expect(missingCode == 404)
            #expect(missing["message"] == "podmetrics.metrics.k8s.io \"default/db\" not found")
            let (_, gone) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/nodes/gone")
            #expect(gone["message"] == "nodemetrics.metrics.k8s.io \"gone\" not found")
            let (watchCode, _) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/nodes", query: [(name: "watch", value: "true")])
            #expect(watchCode == 405)

            let (_, table) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods", accept: "application/json;as=Table;v=v1;g=meta.k8s.io")
            #expect(table["kind"] == "Table")
            #expect(table["columnDefinitions"]?.arrayValue?.map { $0["name"]?.stringValue ?? "" } == ["Name", "CPU", "Memory", "Window"])
            #expect(table["rows"]?[0]?["cells"] == ["web", "150m", "3Mi", "15s"])
        }
    }

    @Test func servedOnlyOnceASourceIsSet() async throws {
        try await TestAPIServer.with { test in
            let server = test.server
            #expect(await Self.get(server, "/apis/metrics.k8s.io/v1beta1/nodes").0 == 404)
            let (_, before) = await Self.get(server, "/apis")
            #expect(before["groups"]?.arrayValue?.contains { $0["name"] == "metrics.k8s.io" } == false)
            _ = try await test.client().resource(CoreV1.Node.self).create(CoreV1.Node(metadata: MetaV1.ObjectMeta(name: "node-a")))
            #expect(try await server.nodeNames() == ["node-a"])
            server.serveResourceMetrics(from: Self.sample)
            let (code, nodes) = await Self.get(server, "/apis/metrics.k8s.io/v1beta1/nodes")
            #expect(code == 200)
            #expect(nodes["items"]?.arrayValue?.map { $0.metadataString("name") } == ["node-a"])
            let (_, after) = await Self.get(server, "/apis")
            #expect(after["groups"]?.arrayValue?.contains { $0["name"] == "metrics.k8s.io" } == true)
        }
    }

    @Test func goDurations() {
        #expect(ResourceMetricsHandler.goDuration(milliseconds: 15_000) == "15s")
        #expect(ResourceMetricsHandler.goDuration(milliseconds: 14_050) == "14.05s")
        #expect(ResourceMetricsHandler.goDuration(milliseconds: 500) == "500ms")
        #expect(ResourceMetricsHandler.goDuration(milliseconds: 90_500) == "1m30.5s")
    }

    static var kubectl: String? {
        ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs kubectl against the server on `port` off the cooperative thread pool (the process
    /// is waited for on a dispatch queue, so other tests' tasks keep running).
    static func kubectl(port: Int, _ arguments: String...) async throws -> (status: Int32, stdout: String, stderr: String) {
        let executable = try #require(kubectl)
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runKubectl(executable, port: port, arguments) })
            }
        }
    }

    static func runKubectl(_ executable: String, port: Int, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-kubectl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig")
        try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster:
                server: https://127.0.0.1:\(port)
                certificate-authority: \(TestPKI.shared.caFile)
            users:
            - name: admin
              user:
                token: admin-token
            contexts:
            - name: test
              context: {cluster: test, user: admin, namespace: default}
            current-context: test
            """.write(to: kubeconfig, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appendingPathComponent("cache").path] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static func rows(_ text: String) -> [[Substring]] {
        text.split(separator: "\n").map { $0.split(separator: " ") }
    }

    @Test(.enabled(if: kubectl != nil, "needs kubectl"))
    func kubectlTop() async throws {
        let source = SwitchableSource()
        try await Self.withServer(source: source) { _, port in
            let empty = try await Self.kubectl(port: port, "top", "node")
            #expect(empty.status != 0)
            #expect(empty.stderr == "error: metrics not available yet\n", "\(empty)")

            source.set(Self.sample)
            let nodes = try await Self.kubectl(port: port, "top", "node")
            #expect(nodes.status == 0, "\(nodes)")
            #expect(Self.rows(nodes.stdout) == [
                ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"],
                ["node-a", "250m", "6%", "1024Mi", "12%"],
                ["node-b", "1000m", "25%", "2048Mi", "25%"],
            ])
            let one = try await Self.kubectl(port: port, "top", "node", "-l", "zone=west")
            #expect(Self.rows(one.stdout).dropFirst().map { String($0[0]) } == ["node-b"], "\(one)")
            let pods = try await Self.kubectl(port: port, "top", "pod")
            #expect(pods.status == 0, "\(pods)")
            #expect(Self.rows(pods.stdout) == [["NAME", "CPU(cores)", "MEMORY(bytes)"], ["web", "150m", "3Mi"]])
            let containers = try await Self.kubectl(port: port, "top", "pod", "web", "--containers")
            #expect(Self.rows(containers.stdout).dropFirst().map { $0.map(String.init) } == [["web", "app", "100m", "2Mi"], ["web", "sidecar", "50m", "1Mi"]], "\(containers)")
            let table = try await Self.kubectl(port: port, "get", "nodes.metrics.k8s.io")
            #expect(Self.rows(table.stdout).first == ["NAME", "CPU", "MEMORY", "WINDOW"], "\(table)")
        }
    }
}
