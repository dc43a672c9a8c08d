import Foundation
import Testing

/// A real node for end-to-end tests: `k3s server` running its own node (managed containerd,
/// runc, the CNI bridge, the VXLAN overlay) inside a network namespace made for the test, so
/// that nothing it does touches the machine's own network; or `k3s agent` joined to such a
/// server node (``start(extraArguments:timeout:nodeIP:network:agentOf:)`` with `agentOf`), the
/// two namespaces joined by a bridge the test made (``RealNodeNetwork``).
///
/// Isolation, and how each part is removed even when a test fails:
/// - a network namespace `k3se2e-<id>` with loopback up and an interface `k3s-node0` carrying
///   the node address (`10.99.0.2/24` by default; one end of a veth pair whose both ends stay
///   inside, or whose other end is on the test's bridge); pods get their own namespaces from the
///   CNI bridge inside it; every interface (`cni0`, `flannel.1`), route and netfilter rule
///   (the overlay's `k3s-swift-overlay` tables) lives in those namespaces and goes with them;
/// - an anchor process (`sleep`) holding a private mount namespace (propagation slave) in which
///   fresh tmpfs mounts hide `/run/k3s`, `/run/containerd`, `/run/netns`, `/var/lib/cni`,
///   `/var/lib/kubelet` and `/var/log/pods`; the server is started (and restarted) inside that
///   namespace with `nsenter`, so containerd's state survives a `kill -9` of the server, and the
///   mounts vanish once the last process in the namespace is gone;
/// - a cgroup root `/k3se2e-<id>` (`--kubelet-arg cgroup-root=...`) that every pod cgroup sits
///   under: its processes are killed and its directories removed, in every mounted hierarchy;
/// - a temporary data directory, removed at the end.
/// `stop()` kills the containers (by cgroup), then every process in the anchor's mount
/// namespace (containerd, its shims, the server), then removes cgroups, the data directory and
/// the network namespace.
final class RealNode: @unchecked Sendable {
    let id: String
    let netns: String
    let nodeIP: String
    let dataDir: String
    let kubeconfig: String
    let cgroupRoot: String
    let logFile: String
    private let anchor: Process
    private let lock = NSLock()
    private var server: Process?
    private let extraArguments: [String]
    /// The `k3s` the node runs: the build's, unless the test gave another (an upgrade replaces it).
    private let binary: String?
    private let network: RealNodeNetwork.Attachment
    /// The server node this node joined as `k3s agent`; `nil` for a server node. An agent's
    /// kubectl goes through its server node.
    let serverNode: RealNode?

    /// Whether this machine can run a real node: root, containerd, runc, the CNI plugins, the
    /// namespace tools, busybox (the test image's contents) and kubectl.
    static var available: Bool {
        getuid() == 0
            && FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd")
            && (K3sServerProcess.executable(named: "runc") != nil || FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc"))
            && FileManager.default.isExecutableFile(atPath: "/usr/lib/cni/bridge")
            && FileManager.default.isExecutableFile(atPath: "/bin/busybox")
            && K3sServerProcess.executable(named: "nsenter") != nil && K3sServerProcess.executable(named: "unshare") != nil
            && K3sServerProcess.kubectlAvailable
            // The overlay every node runs by default.
            && K3sServerProcess.executable(named: "ip") != nil && K3sServerProcess.executable(named: "bridge") != nil
            && K3sServerProcess.executable(named: "nft") != nil
    }

    /// Makes the namespaces and starts `k3s server` with its node (or, with `agentOf`, `k3s agent`
    /// joined to that server node), the test image (busybox, see ``RealNodeImage``) written into
    /// `DATA_DIR/agent/images/` first; returns once the node is Ready. `network` says where the
    /// node's interface leads: nowhere (its own veth pair) or a bridge of the test's.
    static func start(
        extraArguments: [String] = [], timeout: Duration = .seconds(90), nodeIP: String = "10.99.0.2",
        network: RealNodeNetwork.Attachment = .isolated, agentOf server: RealNode? = nil, binary: String? = nil
    ) async throws -> RealNode {
        let id = String(UUID().uuidString.lowercased().prefix(8))
        let netns = "k3se2e-\(id)"
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("k3se2e-\(id)").path
        try FileManager.default.createDirectory(atPath: dataDir + "/agent/images", withIntermediateDirectories: true)
        try RealNodeImage.write(to: dataDir + "/agent/images/busybox.tar")
        // The cluster DNS forwards other names to this file's resolver: the test network's fake
        // one (RealNodeNetwork.upstreamResolver), never the host's.
        try "nameserver \(RealNodeNetwork.upstreamResolver)\n".write(toFile: dataDir + "/resolv.conf", atomically: true, encoding: .utf8)
        try ip(["netns", "add", netns])
        var made: RealNode?
        do {
            try ip(["-n", netns, "link", "set", "lo", "up"])
            try network.attach(netns: netns, id: id)
            try ip(["-n", netns, "address", "add", "\(nodeIP)/24", "dev", "k3s-node0"])
            try ip(["-n", netns, "link", "set", "k3s-node0", "up"])
            try ip(["-n", netns, "route", "add", "default", "dev", "k3s-node0"])
            let anchor = try startAnchor(netns: netns, dataDir: dataDir)
            let node = RealNode(
                id: id, netns: netns, nodeIP: nodeIP, dataDir: dataDir, anchor: anchor, extraArguments: extraArguments, network: network,
                serverNode: server, binary: binary)
            made = node
            try node.startServer()
            try await node.waitReady(timeout: timeout)
            return node
        } catch {
            if let made {
                let log = made.log
                made.stop()
                throw E2EError("\(error)\nserver log:\n\(log)")
            }
            try? ip(["netns", "delete", netns])
            try? FileManager.default.removeItem(atPath: dataDir)
            throw error
        }
    }

    private init(
        id: String, netns: String, nodeIP: String, dataDir: String, anchor: Process, extraArguments: [String],
        network: RealNodeNetwork.Attachment, serverNode: RealNode?, binary: String?
    ) {
        self.binary = binary
        self.id = id
        self.netns = netns
        self.nodeIP = nodeIP
        self.dataDir = dataDir
        self.kubeconfig = serverNode?.kubeconfig ?? dataDir + "/kubeconfig.yaml"
        self.network = network
        self.serverNode = serverNode
        self.cgroupRoot = "/k3se2e-\(id)"
        self.logFile = dataDir + "/server.log"
        self.anchor = anchor
        self.extraArguments = extraArguments
    }

    /// Directories hidden behind a private tmpfs in the node's mount namespace.
    static let privateDirectories = ["/run/k3s", "/run/containerd", "/run/netns", "/var/lib/cni", "/var/lib/kubelet", "/var/log/pods"]

    /// Starts the process that holds the node's mount namespace; returns once its mounts are made.
    private static func startAnchor(netns: String, dataDir: String) throws -> Process {
        let ready = dataDir + "/anchor-ready"
        let mounts = privateDirectories.map { "mkdir -p \($0) && mount -t tmpfs -o mode=0755 tmpfs \($0)" }.joined(separator: " && ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: K3sServerProcess.executable(named: "nsenter") ?? "/usr/bin/nsenter")
        process.arguments = [
            "--net=/var/run/netns/\(netns)", "unshare", "--mount", "--propagation", "slave", "/bin/sh", "-c",
            "\(mounts) && touch \(ready) && exec sleep 100000",
        ]
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: ready) {
            guard process.isRunning, Date() < deadline else {
                if process.isRunning { process.terminate() }
                throw E2EError("the node's mount namespace could not be prepared")
            }
            usleep(10_000)
        }
        return process
    }

    /// The `sleep` process inside the anchor (`nsenter` forks `unshare`, which execs the shell).
    var anchorNamespacePID: Int32? {
        // nsenter execs unshare, unshare execs sh, sh execs sleep: same PID throughout.
        anchor.isRunning ? anchor.processIdentifier : nil
    }

    /// Starts (or restarts) `k3s server` (`k3s agent` for an agent node) inside the node's namespaces.
    func startServer() throws {
        guard let pid = anchorNamespacePID else { throw E2EError("the node's anchor process is gone") }
        if !FileManager.default.fileExists(atPath: logFile) { _ = FileManager.default.createFile(atPath: logFile, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: K3sServerProcess.executable(named: "nsenter") ?? "/usr/bin/nsenter")
        let command: [String]
        if let serverNode {
            let tokenFile = serverNode.dataDir + "/server/node-token"
            command = ["agent", "--server", "https://\(serverNode.nodeIP):6443", "--token-file", tokenFile, "--data-dir", dataDir]
        } else {
            // A node others join listens on its node address too (inside its own namespace).
            let bindAddress = network == .isolated ? "127.0.0.1" : "0.0.0.0"
            command = [
                "server", "--data-dir", dataDir, "--https-listen-port", "6443", "--bind-address", bindAddress,
                "--advertise-address", nodeIP, "--write-kubeconfig", kubeconfig,
            ]
        }
        process.arguments = [
            "--net=/var/run/netns/\(netns)", "--mount=/proc/\(pid)/ns/mnt", try binary ?? K3sServerProcess.builtExecutable("k3s"),
        ] + command + [
            "--node-ip", nodeIP, "--node-name", "node-\(id)", "--kubelet-arg", "cgroup-root=\(cgroupRoot)",
            "--resolv-conf", dataDir + "/resolv.conf",
        ] + extraArguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { server = process }
    }

    /// Waits until the API answers and the node reports Ready.
    func waitReady(timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            if let server = lock.withLock({ server }), !server.isRunning {
                throw E2EError("k3s server exited with status \(server.terminationStatus)")
            }
            if FileManager.default.fileExists(atPath: kubeconfig) {
                let result = try await kubectl(["get", "node", "node-\(id)", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"])
                if result.status == 0 && result.stdout == "True" { return }
                last = result.stdout + result.stderr
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw E2EError("node not Ready within \(timeout): \(last)")
    }

    /// The node's name.
    var nodeName: String { "node-\(id)" }

    /// What the server has logged so far.
    var log: String { (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "" }

    /// The PID of the node's k3s process as the test started it.
    var serverPID: Int32? { lock.withLock { server?.processIdentifier } }

    /// Kills the server with SIGKILL (its containers keep running) and waits for it to be gone.
    func killServer() {
        guard let process = lock.withLock({ server }) else { return }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Stops the server (agent) with SIGTERM, as a service manager would, and waits for it to
    /// exit; returns its exit status.
    func terminateServer(timeout: Duration = .seconds(30)) async throws -> Int32 {
        guard let process = lock.withLock({ server }) else { throw E2EError("the node's process was never started") }
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw E2EError("k3s did not stop within \(timeout) of SIGTERM") }
            try await Task.sleep(for: .milliseconds(100))
        }
        return process.terminationStatus
    }

    /// Runs a command inside the node's network and mount namespaces.
    func inNode(_ command: [String], stdin: String? = nil) async throws -> CommandResult {
        guard let pid = anchorNamespacePID else { throw E2EError("the node's anchor process is gone") }
        return try await run(
            K3sServerProcess.executable(named: "nsenter") ?? "/usr/bin/nsenter",
            ["--net=/var/run/netns/\(netns)", "--mount=/proc/\(pid)/ns/mnt"] + command, stdin: stdin)
    }

    /// A process started inside the node's namespaces, left running (`kubectl port-forward`).
    func spawnInNode(_ command: [String], output: String) throws -> Process {
        guard let pid = anchorNamespacePID else { throw E2EError("the node's anchor process is gone") }
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: K3sServerProcess.executable(named: "nsenter") ?? "/usr/bin/nsenter")
        process.arguments = ["--net=/var/run/netns/\(netns)", "--mount=/proc/\(pid)/ns/mnt"] + command
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Runs kubectl against the node's server, from inside its network namespace.
    @discardableResult
    func kubectl(_ arguments: [String], stdin: String? = nil) async throws -> CommandResult {
        if let serverNode { return try await serverNode.kubectl(arguments, stdin: stdin) }
        guard let kubectl = K3sServerProcess.executable(named: "kubectl") else { throw E2EError("kubectl is not on PATH") }
        return try await inNode([kubectl, "--kubeconfig", kubeconfig, "--request-timeout", "30s"] + arguments, stdin: stdin)
    }

    /// Runs kubectl and records a failed expectation unless it exits 0; returns its output.
    @discardableResult
    func kubectlOK(_ arguments: String..., stdin: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let result = try await kubectl(arguments, stdin: stdin)
        #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Polls `kubectl get ... -o jsonpath=...` until `accept` holds for its output.
    func waitFor(
        _ what: String, _ arguments: [String], timeout: Duration = .seconds(60), accept: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            let result = try await kubectl(arguments)
            last = result.stdout + result.stderr
            if result.status == 0 && accept(result.stdout) { return result.stdout }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw E2EError("timed out waiting for \(what): last output \(last)")
    }

    /// Runs `kubectl exec POD -- COMMAND` until `accept` holds for its result (a new Service's
    /// rules or DNS records reach every node within moments, not at once); returns the last
    /// result, accepted or not.
    func execUntil(
        _ pod: String, _ command: [String], timeout: Duration = .seconds(30), accept: (CommandResult) -> Bool
    ) async throws -> CommandResult {
        let deadline = ContinuousClock.now + timeout
        var last = CommandResult(status: -1, stdout: "", stderr: "")
        while ContinuousClock.now < deadline {
            last = try await kubectl(["exec", pod, "--"] + command)
            if accept(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        return last
    }

    /// Waits until a pod's `status.phase` is `phase`.
    @discardableResult
    func waitForPhase(_ pod: String, _ phase: String, namespace: String = "default", timeout: Duration = .seconds(60)) async throws -> String {
        try await waitFor("pod \(pod) \(phase)", ["get", "pod", pod, "-n", namespace, "-o", "jsonpath={.status.phase}"], timeout: timeout) { $0 == phase }
    }

    /// Waits until a pod is Running with every container ready.
    func waitForReady(_ pod: String, namespace: String = "default", timeout: Duration = .seconds(60)) async throws {
        _ = try await waitFor("pod \(pod) Ready", ["get", "pod", pod, "-n", namespace, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], timeout: timeout) { $0 == "True" }
    }

    /// Stops everything the node made; safe to call more than once.
    func stop() {
        // 1. Containers: every process in the node's cgroups.
        for _ in 0..<3 {
            for directory in cgroupDirectories() { Self.killProcesses(inCgroup: directory) }
        }
        // 2. The server, containerd and its shims: every process in the anchor's mount namespace.
        if let pid = anchorNamespacePID, let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt") {
            for _ in 0..<50 {
                let members = Self.processes(inMountNamespace: namespace).filter { $0 != pid }
                if members.isEmpty { break }
                for member in members { kill(member, SIGKILL) }
                usleep(20_000)
            }
        }
        if let server = lock.withLock({ server }), server.isRunning { kill(server.processIdentifier, SIGKILL) }
        if anchor.isRunning { kill(anchor.processIdentifier, SIGKILL) }
        anchor.waitUntilExit()
        // 3. Containers started late, then the cgroup directories, deepest first.
        for _ in 0..<20 {
            let directories = cgroupDirectories()
            if directories.isEmpty { break }
            for directory in directories {
                Self.killProcesses(inCgroup: directory)
                rmdir(directory)
            }
            usleep(20_000)
        }
        try? FileManager.default.removeItem(atPath: dataDir)
        try? Self.ip(["netns", "delete", netns])
    }

    /// Processes the node still has: any in its mount namespace but the anchor, and any in its
    /// cgroups (the containers, which have mount namespaces of their own).
    func processesLeft() -> [Int32] {
        var left: Set<Int32> = []
        if let pid = anchorNamespacePID, let namespace = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/mnt") {
            left.formUnion(Self.processes(inMountNamespace: namespace).filter { $0 != pid })
        }
        for directory in cgroupDirectories() {
            let text = (try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8)) ?? ""
            left.formUnion(text.split(separator: "\n").compactMap { Int32($0) })
        }
        return left.sorted()
    }

    /// The mount points of the node's mount namespace.
    func mountPoints() -> [String] {
        guard let pid = anchorNamespacePID, let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 ? String(fields[4]) : nil
        }
    }

    /// Every directory of the node's cgroup root in every mounted hierarchy, deepest first.
    private func cgroupDirectories() -> [String] {
        var result: [String] = []
        for hierarchy in Self.cgroupHierarchies() {
            let root = hierarchy + cgroupRoot
            guard FileManager.default.fileExists(atPath: root) else { continue }
            var found = [root]
            if let walker = FileManager.default.enumerator(atPath: root) {
                while let relative = walker.nextObject() as? String {
                    let path = root + "/" + relative
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { found.append(path) }
                }
            }
            result += found.sorted { $0.count > $1.count }
        }
        return result
    }

    /// The mount points of cgroup hierarchies (v1: one per controller set; v2: the unified one).
    private static func cgroupHierarchies() -> [String] {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return [] }
        return mounts.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 2, fields[2] == "cgroup" || fields[2] == "cgroup2" else { return nil }
            return String(fields[1])
        }
    }

    private static func killProcesses(inCgroup directory: String) {
        guard let text = try? String(contentsOfFile: directory + "/cgroup.procs", encoding: .utf8) else { return }
        for line in text.split(separator: "\n") { if let pid = Int32(line) { kill(pid, SIGKILL) } }
    }

    private static func processes(inMountNamespace namespace: String) -> [Int32] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry in
            guard let pid = Int32(entry),
                  let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/ns/mnt"), link == namespace
            else { return nil }
            return pid
        }
    }

    @discardableResult
    static func ip(_ arguments: [String]) throws -> String {
        let result = try runBlocking(K3sServerProcess.executable(named: "ip") ?? "/usr/sbin/ip", arguments)
        guard result.status == 0 else { throw E2EError("ip \(arguments.joined(separator: " ")) failed: \(result.stderr)") }
        return result.stdout
    }
}
