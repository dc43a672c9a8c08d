import Foundation
import KubeAPI
import Logging
import NetOverlay

/// `k3s-bench net-throughput [--seconds 5] [--streams 1] [--runs 3]`: `pod_to_pod_gbps`, single-host
/// throughput (iperf3) between two namespace "nodes" over each path the overlay offers (root,
/// iproute2, nft, iperf3):
///
/// - `veth`: node to node over the veth pair joining them (the underlay, no overlay);
/// - `vxlan`: pod to pod across the project's `VXLANOverlay` (Flannel's `flannel.1`, MTU 1450);
/// - `host-gw`: pod to pod across `HostGatewayOverlay` (routes only).
///
/// It makes, with a random suffix, two node namespaces joined by a veth pair (`eth0`,
/// 10.199.0.1/24 and 10.199.0.2/24), in each a bridge `br-SUFFIX` holding the node's pod
/// network address (10.198.1.1/24, 10.198.2.1/24) and a pod namespace attached to it by a veth
/// pair (pod 10.198.1.2, 10.198.2.2, default route via the bridge), as the CNI bridge would.
/// Only addresses inside those namespaces are used; they are deleted at the end, also on error
/// (deleting a namespace deletes its interfaces, routes and nftables tables).
struct PodThroughputBench {
    /// How long each iperf3 run lasts.
    var seconds: Int
    /// Parallel TCP streams per run.
    var streams: Int
    /// Runs per path (one line each).
    var runs: Int

    struct Node {
        var namespace: String
        var podNamespace: String
        var publicIP: IPAddress
        var podCIDR: IPPrefix
        var bridgeIP: IPAddress { podCIDR.address(at: 1)! }
        var podIP: IPAddress { podCIDR.address(at: 2)! }
        var runner: ProcessLinkCommandRunner { ProcessLinkCommandRunner(namespace: namespace) }
        var local: OverlayLocalNode { OverlayLocalNode(name: namespace, podCIDRs: [podCIDR], publicIPs: [publicIP]) }
    }

    static let iperf3 = "/usr/bin/iperf3"
    static let clusterCIDR = IPPrefix("10.198.0.0/16")!

    func run() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.iperf3) else { throw BenchError("\(Self.iperf3) is not installed") }
        let suffix = String(UUID().uuidString.lowercased().prefix(6))
        let a = Node(namespace: "kbtp-\(suffix)-a", podNamespace: "kbtp-\(suffix)-pa", publicIP: IPAddress("10.199.0.1")!,
                     podCIDR: IPPrefix("10.198.1.0/24")!)
        let b = Node(namespace: "kbtp-\(suffix)-b", podNamespace: "kbtp-\(suffix)-pb", publicIP: IPAddress("10.199.0.2")!,
                     podCIDR: IPPrefix("10.198.2.0/24")!)
        let bridge = "br-\(suffix)"
        var failure: (any Error)?
        do {
            try await build(a, b, bridge: bridge)
            try await measureAll(a, b, bridge: bridge)
        } catch {
            failure = error
        }
        for namespace in [a.podNamespace, b.podNamespace, a.namespace, b.namespace] {
            // An iperf3 server a failed run left behind, then the namespace.
            let pids = (try? await ip(nil, "netns", "pids", namespace)) ?? ""
            for pid in pids.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            _ = try? await ip(nil, "netns", "delete", namespace)
        }
        if let failure { throw failure }
    }

    func measureAll(_ a: Node, _ b: Node, bridge: String) async throws {
        let logger = Logger(label: "net-throughput")
        let masquerade = OverlayMasquerade(clusterCIDRs: [Self.clusterCIDR])
        log("net-throughput: veth, node to node")
        for run in 1 ... runs {
            try measure(path: "veth", between: "nodes", mtu: 1500, run: run, server: a.namespace, serverIP: a.publicIP, client: b.namespace)
        }

        let overlays: [(String, @Sendable (Node) -> any Overlay)] = [
            ("vxlan", { VXLANOverlay(runner: $0.runner, masquerade: masquerade, logger: logger) }),
            ("host-gw", { HostGatewayOverlay(runner: $0.runner, masquerade: masquerade, logger: logger) }),
        ]
        for (path, make) in overlays {
            log("net-throughput: \(path), pod to pod")
            let overlayA = make(a), overlayB = make(b)
            let attributesA = try await overlayA.setUp(a.local)
            let attributesB = try await overlayB.setUp(b.local)
            try await overlayA.setPeers([try peer(b, attributesB)])
            try await overlayB.setPeers([try peer(a, attributesA)])
            let mtu = attributesA.podMTU ?? 1500
            for node in [a, b] { try await setPodMTU(node, bridge: bridge, mtu: mtu) }
            try waitForPing(from: a.podNamespace, to: b.podIP)
            for run in 1 ... runs {
                try measure(path: path, between: "pods", mtu: mtu, run: run, server: b.podNamespace, serverIP: b.podIP, client: a.podNamespace)
            }
            try await overlayA.tearDown()
            try await overlayB.tearDown()
        }
    }

    /// Creates the namespaces, the veth pair between the nodes, the bridges and the pods: a list
    /// of `ip` invocations, each with the namespace it runs in (`nil`: the host's, only to add
    /// namespaces).
    func build(_ a: Node, _ b: Node, bridge: String) async throws {
        var steps: [(namespace: String?, arguments: [String])] = []
        let namespaces = [a, b].flatMap { [$0.namespace, $0.podNamespace] }
        steps += namespaces.map { (nil, ["netns", "add", $0]) }
        steps += namespaces.map { ($0, ["link", "set", "lo", "up"]) }
        steps.append((a.namespace, ["link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b.namespace]))
        for node in [a, b] {
            let inNode: [[String]] = [
                ["address", "add", "\(node.publicIP)/24", "dev", "eth0"],
                ["link", "set", "eth0", "up"],
                ["link", "add", bridge, "type", "bridge"],
                ["address", "add", "\(node.bridgeIP)/24", "dev", bridge],
                ["link", "set", bridge, "up"],
                ["link", "add", "vpod", "type", "veth", "peer", "name", "eth0", "netns", node.podNamespace],
                ["link", "set", "vpod", "master", bridge, "up"],
            ]
            let inPod: [[String]] = [
                ["address", "add", "\(node.podIP)/24", "dev", "eth0"],
                ["link", "set", "eth0", "up"],
                ["route", "add", "default", "via", "\(node.bridgeIP)"],
            ]
            steps += inNode.map { (node.namespace, $0) } + inPod.map { (node.podNamespace, $0) }
        }
        for step in steps {
            _ = try await ProcessLinkCommandRunner(namespace: step.namespace).run(LinkCommand(.ip, step.arguments))
        }
    }

    /// Sets the pod-side MTU (the pod's `eth0`, its veth peer and the bridge), as the CNI
    /// configuration does from the overlay's `podMTU`.
    func setPodMTU(_ node: Node, bridge: String, mtu: Int) async throws {
        try await ip(node.podNamespace, "link", "set", "eth0", "mtu", "\(mtu)")
        try await ip(node.namespace, "link", "set", "vpod", "mtu", "\(mtu)")
        try await ip(node.namespace, "link", "set", bridge, "mtu", "\(mtu)")
    }

    /// The peer `node` is to the other, through the annotations it would publish.
    func peer(_ node: Node, _ attributes: OverlayAttributes) throws -> OverlayPeer {
        var object = CoreV1.Node()
        object.metadata.name = node.namespace
        object.metadata.annotations = FlannelAnnotations.annotations(for: attributes)
        object.spec = CoreV1.NodeSpec(podCIDR: node.podCIDR.description)
        return try FlannelAnnotations.peer(from: object)
    }

    func waitForPing(from namespace: String, to address: IPAddress) throws {
        let ping = LinkCommand(.ip, ["netns", "exec", namespace, "/bin/busybox", "ping", "-c", "1", "-W", "1", "\(address)"])
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if (try? ProcessLinkCommandRunner().runNow(ping)) != nil { return }
        }
        throw BenchError("\(namespace) cannot reach \(address)")
    }

    /// Runs an iperf3 server in `server` (one test, then it exits) and the client in `client`;
    /// prints the received rate. Synchronous on purpose (see ``ProcessLinkCommandRunner``).
    func measure(path: String, between: String, mtu: Int, run: Int, server: String, serverIP: IPAddress, client: String) throws {
        let host = ProcessLinkCommandRunner()
        let serverProcess = Process()
        serverProcess.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        serverProcess.arguments = ["netns", "exec", server, Self.iperf3, "-s", "-1", "-B", "\(serverIP)", "-p", "5201"]
        serverProcess.standardInput = FileHandle.nullDevice
        serverProcess.standardOutput = FileHandle.nullDevice
        serverProcess.standardError = FileHandle.nullDevice
        try serverProcess.run()
        defer {
            // SIGKILL: children inherit a signal mask that blocks SIGTERM.
            if serverProcess.isRunning { kill(serverProcess.processIdentifier, SIGKILL) }
            serverProcess.waitUntilExit()
        }
        let clientCommand = LinkCommand(.ip, [
            "netns", "exec", client, Self.iperf3, "-c", "\(serverIP)", "-p", "5201", "-t", "\(seconds)", "-P", "\(streams)", "-J",
        ])
        // The server may still be starting: retry a refused connection for a few seconds
        // (iperf3 -J reports it in the JSON, with exit status 0).
        let deadline = ContinuousClock.now + .seconds(10)
        var report: (bitsPerSecond: Double, retransmits: Int)?
        var last = ""
        while report == nil {
            do {
                let output = try host.runNow(clientCommand)
                last = String(output.suffix(500))
                report = try? Self.parse(output)
            } catch {
                last = "\(error)"
            }
            if report == nil {
                guard ContinuousClock.now < deadline else { throw BenchError("iperf3 \(path): \(last)") }
                usleep(100_000)
            }
        }
        guard let report else { throw BenchError("iperf3 \(path): \(last)") }
        let figure = Figure(
            suite: "net", backend: path, name: "pod_to_pod_gbps",
            parameters: [("path", .string(path)), ("between", .string(between)), ("mtu", .int(mtu)), ("seconds", .int(seconds)),
                         ("streams", .int(streams)), ("run", .int(run)), ("retransmits", .int(report.retransmits)), ("tool", .string("iperf3"))],
            value: report.bitsPerSecond / 1e9, unit: "Gbit/s")
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
    }

    /// The received rate and the sender's retransmissions of an `iperf3 -J` TCP report.
    static func parse(_ json: String) throws -> (bitsPerSecond: Double, retransmits: Int) {
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let end = object["end"] as? [String: Any],
              let received = end["sum_received"] as? [String: Any],
              let rate = (received["bits_per_second"] as? NSNumber)?.doubleValue
        else { throw BenchError("unexpected iperf3 report: \(json.prefix(300))") }
        let retransmits = ((end["sum_sent"] as? [String: Any])?["retransmits"] as? NSNumber)?.intValue ?? 0
        return (rate, retransmits)
    }

    @discardableResult
    func ip(_ namespace: String?, _ arguments: String...) async throws -> String {
        try await ProcessLinkCommandRunner(namespace: namespace).run(LinkCommand(.ip, arguments))
    }

    func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
