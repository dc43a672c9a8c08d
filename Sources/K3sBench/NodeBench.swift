import Foundation
import KubeAPI
import KubeClient

/// `k3s-bench node`: a real node (containerd, runc, the CNI bridge) in a network namespace made
/// for the bench, with the built-in pause image as the pods' local image (no registry).
///
/// Phase 1 runs `k3s server --disable-agent` and a `k3s agent` beside it: `pod_startup_p50_ms`
/// and `pod_startup_p99_ms` (pods created at once, from the create request to Ready as the
/// watch shows it), `agent_rss_idle_mb` and `containerd_rss_mb` (the agent's containerd alone),
/// then `kubelet_sync_ms`: the median of three of the kubelet's full sync rounds (every 5 s
/// here) with `syncPods` pods running, as the kubelet's `/metrics` reports them.
/// Phase 2 runs `k3s server` with its own node: `server_with_node_rss_idle_mb` (containerd
/// aside). Needs root and the release `k3s` and `k3s-pause` built next to the bench. The
/// measuring client runs as a child (`k3s-bench node-client`) inside the namespace, since the
/// API answers only there.
struct NodeBench {
    let pods: Int
    /// Pods running while `kubelet_sync_ms` is taken.
    let syncPods: Int
    let binary: String
    let bench: String

    init(pods: Int, syncPods: Int) throws {
        let directory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        bench = directory.appendingPathComponent("k3s-bench").path
        binary = directory.appendingPathComponent("k3s").path
        guard FileManager.default.isExecutableFile(atPath: binary),
              FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("k3s-pause").path) else {
            throw BenchError("build k3s and k3s-pause first: swift build -c release --product k3s --product k3s-pause")
        }
        guard getuid() == 0 else { throw BenchError("k3s-bench node needs root (namespaces, containerd)") }
        self.pods = pods
        self.syncPods = syncPods
    }

    func run() async throws {
        do {
            let node = try BenchNode(binary: binary)
            defer { node.stop() }
            progress("phase 1: k3s server --disable-agent and a k3s agent")
            let server = try node.start(["server", "--disable-agent"] + node.serverArguments, log: "server.log")
            try await node.waitForKubeconfig()
            let token = try String(contentsOfFile: node.dataDir + "/server/node-token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let agent = try node.start(
                ["agent", "--server", "https://127.0.0.1:6443", "--token", token, "--node-name", "bench-node",
                 "--data-dir", node.dataDir + "/agent-data", "--node-ip", node.nodeIP, "--kubelet-arg", "cgroup-root=\(node.cgroupRoot)",
                 "--kubelet-arg", "sync-frequency=5s"],
                log: "agent.log")
            try await node.waitForReadyNode("bench-node")
            // Idle figures first, settled.
            try await Task.sleep(for: .seconds(10))
            let parameters: [(String, Figure.Parameter)] = [("runtime", .string("containerd"))]
            emit("agent_rss_idle_mb", settledRSS(agent.processIdentifier), "MB", parameters)
            // The part of that which is the agent's own (heap, stacks), not pages of the binary
            // and libraries, which the server on the same machine maps too.
            emit("agent_rss_anon_mb", settledRSS(agent.processIdentifier, field: "RssAnon"), "MB", parameters)
            if let containerd = childProcess(of: agent.processIdentifier, named: "containerd") {
                emit("containerd_rss_mb", settledRSS(containerd), "MB", parameters)
            }
            _ = server
            let result = try await node.inNamespace([bench, "node-client", "--kubeconfig", node.kubeconfig, "--pods", "\(pods)", "--sync-pods", "\(syncPods)", "--node", "bench-node"])
            guard result.status == 0 else { throw BenchError("node-client failed: \(result.stderr)") }
            FileHandle.standardOutput.write(Data(result.stdout.utf8))
        }
        do {
            let node = try BenchNode(binary: binary)
            defer { node.stop() }
            progress("phase 2: k3s server with its own node")
            let server = try node.start(
                ["server", "--node-name", "bench-server", "--node-ip", node.nodeIP, "--kubelet-arg", "cgroup-root=\(node.cgroupRoot)"]
                    + node.serverArguments, log: "server.log")
            try await node.waitForKubeconfig()
            try await node.waitForReadyNode("bench-server")
            try await Task.sleep(for: .seconds(10))
            emit("server_with_node_rss_idle_mb", settledRSS(server.processIdentifier), "MB", [("runtime", .string("containerd"))])
        }
    }

    /// Inside the namespace: creates `pods` pods at once and reports start-up percentiles.
    static func client(kubeconfig: String, pods count: Int, syncPods: Int, node: String) async throws {
        let transport = try HTTPSTransport(kubeconfig: kubeconfig)
        let client = KubeClient(transport: transport, userAgent: "k3s-bench-node")
        let pods = client.resource(CoreV1.Pod.self)
        let created = Locked([String: ContinuousClock.Instant]())
        let ready = Locked([String: ContinuousClock.Instant]())
        let informers = InformerFactory(client: client)
        let readyCounts = AsyncStream<Int>.makeStream()
        @Sendable func observe(_ pod: CoreV1.Pod) {
            guard let name = pod.metadata.name, pod.isReady else { return }
            let now = ContinuousClock.now
            let total = ready.withLock { seen -> Int in
                if seen[name] == nil { seen[name] = now }
                return seen.count
            }
            readyCounts.continuation.yield(total)
        }
        informers.informer(CoreV1.Pod.self, namespace: "default").addHandler(
            InformerHandler(onAdd: { observe($0) }, onUpdate: { _, pod in observe(pod) }))
        let watching = Task { await informers.run() }
        defer { watching.cancel() }
        await informers.waitForSync()
        var counts = readyCounts.stream.makeAsyncIterator()
        let deadline = Task { try await Task.sleep(for: .seconds(600)); readyCounts.continuation.finish() }
        defer { deadline.cancel() }
        /// Creates pods `prefix-0..<n` at once and waits until `total` pods are Ready.
        func createPods(_ prefix: String, _ n: Int, untilReady total: Int) async throws {
            try await concurrently(n, width: min(n, 100)) { i in
                let name = "\(prefix)-\(i)"
                created.withLock { $0[name] = ContinuousClock.now }
                _ = try await pods.create(
                    CoreV1.Pod(
                        metadata: .init(name: name),
                        spec: .init(containers: [.init(image: "docker.io/k3s-swift/pause:1.0", imagePullPolicy: "Never", name: "c")])),
                    namespace: "default")
            }
            while ready.withLock({ $0.count }) < total {
                guard await counts.next() != nil else { throw BenchError("only \(ready.withLock { $0.count }) of \(total) pods became Ready") }
            }
        }
        try await createPods("startup", count, untilReady: count)
        let startCreated = created.withLock { $0 }
        let durations = ready.withLock { seen in
            seen.compactMap { name, at in startCreated[name].map { (at - $0).milliseconds } }
        }
        let parameters: [(String, Figure.Parameter)] = [("pods", .int(count)), ("image", .string("local"))]
        let figure = { (name: String, value: Double, parameters: [(String, Figure.Parameter)]) in
            Figure(suite: "node", backend: "sqlite", name: name, parameters: parameters, value: value, unit: "ms").jsonLine + "\n"
        }
        FileHandle.standardOutput.write(Data(figure("pod_startup_p50_ms", percentile(durations, 0.5), parameters).utf8))
        FileHandle.standardOutput.write(Data(figure("pod_startup_p99_ms", percentile(durations, 0.99), parameters).utf8))

        // kubelet_sync_ms: with `syncPods` pods running, the kubelet's full sync rounds as its
        // /metrics reports them (read through nodes/proxy, as an operator would).
        if syncPods > count {
            progress("bringing the node to \(syncPods) running pods")
            try await createPods("sync", syncPods - count, untilReady: syncPods)
        }
        var rounds: [Double] = []
        var lastCount: Double?
        let until = ContinuousClock.now + .seconds(120)
        while rounds.count < 3 {
            guard ContinuousClock.now < until else { throw BenchError("the kubelet reported \(rounds.count) full sync rounds of \(syncPods) pods in 120 s") }
            let text = String(decoding: try await client.send(KubeRequest(method: .get, path: "/api/v1/nodes/\(node)/proxy/metrics")), as: UTF8.self)
            let samples = Dictionary(
                text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line -> (String, Double)? in
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let value = Double(parts[1]) else { return nil }
                    return (String(parts[0]), value)
                }, uniquingKeysWith: { first, _ in first })
            let roundCount = samples["kubelet_pod_sync_round_duration_seconds_count"] ?? 0
            if let previous = lastCount, roundCount > previous, samples["kubelet_pod_sync_round_last_pods"] == Double(syncPods),
               let last = samples["kubelet_pod_sync_round_last_duration_seconds"] {
                rounds.append(last * 1000)
            }
            lastCount = roundCount
            try await Task.sleep(for: .milliseconds(250))
        }
        let syncParameters: [(String, Figure.Parameter)] = [("pods", .int(syncPods)), ("rounds", .int(rounds.count))]
        FileHandle.standardOutput.write(Data(figure("kubelet_sync_ms", percentile(rounds, 0.5), syncParameters).utf8))
        await transport.shutdown()
    }

    func emit(_ name: String, _ value: Double, _ unit: String, _ parameters: [(String, Figure.Parameter)]) {
        let figure = Figure(suite: "node", backend: "sqlite", name: name, parameters: parameters, value: value, unit: unit)
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
    }

    /// The first child of `parent` whose command is `name`.
    func childProcess(of parent: Int32, named name: String) -> Int32? {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let command = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if command == name, fields.count > 2, Int32(fields[1]) == parent { return pid }
        }
        return nil
    }
}

extension Duration {
    /// The duration in milliseconds.
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}

/// One node's namespaces for the bench: a network namespace with the node address on a veth
/// pair whose both ends stay inside, and a mount namespace (held by a `sleep`) where tmpfs
/// mounts hide `/run/k3s`, `/run/containerd`, `/run/netns`, `/var/lib/cni`, `/var/lib/kubelet`
/// and `/var/log/pods`. `stop()` kills every process of the node's cgroups and mount namespace
/// and removes what it made.
final class BenchNode: @unchecked Sendable {
    let id: String
    let netns: String
    let cgroupRoot: String
    let nodeIP = "10.99.0.2"
    let dataDir: String
    var kubeconfig: String { dataDir + "/kubeconfig.yaml" }
    private let anchor: Process
    private var processes: [Process] = []

    var serverArguments: [String] {
        ["--data-dir", dataDir, "--https-listen-port", "6443", "--bind-address", "127.0.0.1", "--advertise-address", nodeIP,
         "--write-kubeconfig", kubeconfig]
    }

    init(binary: String) throws {
        let id = String(UUID().uuidString.lowercased().prefix(8))
        let netns = "k3sbench-\(id)"
        let nodeIP = "10.99.0.2"
        let dataDir = NSTemporaryDirectory() + "k3sbench-\(id)"
        self.id = id
        self.netns = netns
        self.cgroupRoot = "/k3sbench-\(id)"
        self.dataDir = dataDir
        self.binary = binary
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let script = """
            ip netns add \(netns) && ip -n \(netns) link set lo up && \
            ip -n \(netns) link add k3s-node0 type veth peer name k3s-node1 && ip -n \(netns) link set k3s-node1 up && \
            ip -n \(netns) address add \(nodeIP)/24 dev k3s-node0 && ip -n \(netns) link set k3s-node0 up && \
            ip -n \(netns) route add default dev k3s-node0
            """
        let made = try runCommand("/bin/sh", ["-c", script])
        guard made.status == 0 else { throw BenchError("cannot make the namespace: \(made.stderr)") }
        let mounts = ["/run/k3s", "/run/containerd", "/run/netns", "/var/lib/cni", "/var/lib/kubelet", "/var/log/pods"]
            .map { "mkdir -p \($0) && mount -t tmpfs tmpfs \($0)" }.joined(separator: " && ")
        let anchor = Process()
        self.anchor = anchor
        anchor.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        anchor.arguments = ["--net=/var/run/netns/\(netns)", "unshare", "--mount", "--propagation", "slave", "/bin/sh", "-c",
                            "\(mounts) && touch \(dataDir)/anchor-ready && exec sleep 100000"]
        try anchor.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: dataDir + "/anchor-ready") {
            guard anchor.isRunning, Date() < deadline else { throw BenchError("the node's mount namespace could not be made") }
            usleep(10_000)
        }
    }

    private let binary: String

    /// Starts `k3s ARGUMENTS` inside the node's namespaces, logging to `DATA_DIR/log`.
    func start(_ arguments: [String], log: String) throws -> Process {
        FileManager.default.createFile(atPath: dataDir + "/" + log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dataDir + "/" + log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
        process.arguments = ["--net=/var/run/netns/\(netns)", "--mount=/proc/\(anchor.processIdentifier)/ns/mnt", binary] + arguments
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        processes.append(process)
        return process
    }

    /// Runs a command inside the node's namespaces.
    func inNamespace(_ command: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try runCommand("/usr/bin/nsenter", ["--net=/var/run/netns/\(netns)", "--mount=/proc/\(anchor.processIdentifier)/ns/mnt"] + command)
    }

    func waitForKubeconfig() async throws {
        let _: Void = try await pollUntil("the kubeconfig", timeout: .seconds(60), interval: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: kubeconfig) ? () : nil
        }
    }

    func waitForReadyNode(_ name: String) async throws {
        let _: Void = try await pollUntil("node \(name) Ready", timeout: .seconds(120), interval: .milliseconds(250)) {
            let result = try await inNamespace([
                "/usr/bin/kubectl", "--kubeconfig", kubeconfig, "get", "node", name, "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
            ])
            return result.stdout == "True" ? () : nil
        }
    }

    func stop() {
        let hierarchies = ((try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 2 && (fields[2] == "cgroup" || fields[2] == "cgroup2") ? String(fields[1]) : nil
        }
        let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(anchor.processIdentifier)/ns/mnt")
        let script = """
            for h in \(hierarchies.joined(separator: " ")); do [ -d "$h\(cgroupRoot)" ] && find "$h\(cgroupRoot)" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9; done
            for p in $(ls /proc | grep -E '^[0-9]+$'); do [ "$(readlink /proc/$p/ns/mnt 2>/dev/null)" = "\(namespace ?? "none")" ] && [ "$p" != "\(anchor.processIdentifier)" ] && kill -9 $p; done
            sleep 1; kill -9 \(anchor.processIdentifier); sleep 0.5
            for h in \(hierarchies.joined(separator: " ")); do [ -d "$h\(cgroupRoot)" ] && find "$h\(cgroupRoot)" -depth -type d -exec rmdir {} + 2>/dev/null; done
            ip netns delete \(netns); rm -rf \(dataDir)
            """
        _ = try? runCommand("/bin/sh", ["-c", script])
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Runs a command to completion and returns its status and output.
func runCommand(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Both pipes are drained at once so that a chatty command cannot block on a full one.
    let errData = Locked(Data())
    let reading = DispatchGroup()
    DispatchQueue.global().async(group: reading) { errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() } }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    reading.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.withLock { $0 }, as: UTF8.self))
}
