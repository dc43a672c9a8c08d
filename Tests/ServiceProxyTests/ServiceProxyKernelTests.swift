import ClusterTesting
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import KubeAPI
import NFTables
import Subprocess
import Synchronization
import Testing

@testable import ServiceProxy

/// The proxy's rules in a real kernel: a client namespace reaches a node namespace holding the
/// rules, behind which two backend namespaces run a TCP server answering with their name. All of
/// it lives in namespaces the test makes and removes.
@Suite(.enabled(if: Host.canRunKernelTest, "needs root, nft, ip and busybox (CI has them)"))
struct ServiceProxyKernelTests {
    static let clusterIP = "10.96.0.10", emptyIP = "10.96.0.20", stickyIP = "10.96.0.30", selfIP = "10.96.0.40"
    static let nodeIP = "192.168.77.1"

    /// Servers started by the test, killed at the end.
    final class Servers: Sendable {
        private let running = Mutex<[(pid: pid_t, task: Task<Void, Never>)]>([])

        /// Starts `busybox nc -ll` on port 8080 in `namespace`, answering `text` to every connection.
        func start(in namespace: String, answering text: String) async {
            let (started, announce) = AsyncStream<pid_t>.makeStream()
            let task = Task {
                _ = try? await Subprocess.run(
                    .path("/usr/sbin/ip"),
                    arguments: ["netns", "exec", namespace, "/bin/busybox", "nc", "-ll", "-p", "8080", "-e", "/bin/busybox", "echo", text],
                    input: .none, output: .discarded, error: .discarded
                ) { execution in
                    announce.yield(execution.processIdentifier.value)
                    announce.finish()
                }
                announce.finish()
            }
            var pids = started.makeAsyncIterator()
            if let pid = await pids.next() { running.withLock { $0.append((pid, task)) } }
        }

        /// Kills every server and waits for it.
        func stopAll() async {
            for (pid, task) in running.withLock({ $0 }) {
                kill(pid, SIGKILL)
                await task.value
            }
        }
    }

    /// `busybox nc` from the client namespace: what the server said, or the error.
    static func connect(_ client: String, _ address: String, _ port: Int = 80) async throws -> String {
        try await Host.exec(in: client, ["/bin/busybox", "nc", "-w", "3", address, String(port)]).output
            .split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    func buildNetwork(client: String, node: String, backends: [String]) async throws {
        try await Host.ip("-n", node, "link", "add", "to-client", "type", "veth", "peer", "name", "eth0", "netns", client)
        try await Host.ip("-n", node, "addr", "add", "\(Self.nodeIP)/24", "dev", "to-client")
        try await Host.ip("-n", node, "link", "set", "to-client", "up")
        try await Host.ip("-n", client, "addr", "add", "192.168.77.2/24", "dev", "eth0")
        try await Host.ip("-n", client, "link", "set", "eth0", "up")
        try await Host.ip("-n", client, "route", "add", "default", "via", Self.nodeIP)
        try await Host.ip("-n", node, "link", "add", "pods", "type", "bridge")
        try await Host.ip("-n", node, "addr", "add", "10.244.0.1/24", "dev", "pods")
        try await Host.ip("-n", node, "link", "set", "pods", "up")
        // Without a route a Service address would be unreachable before the filter hooks see it.
        try await Host.ip("-n", node, "route", "add", "default", "via", "192.168.77.2")
        _ = try await Host.exec(in: node, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
        for (index, backend) in backends.enumerated() {
            let link = "pod\(index)"
            try await Host.ip("-n", node, "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", backend)
            try await Host.ip("-n", node, "link", "set", link, "master", "pods", "up")
            // As the CNI bridge sets it (`hairpinMode`): a pod's packet may go back out its own port.
            try await Host.ip("-n", node, "link", "set", link, "type", "bridge_slave", "hairpin", "on")
            try await Host.ip("-n", backend, "addr", "add", "10.244.0.\(11 + index)/24", "dev", "eth0")
            try await Host.ip("-n", backend, "link", "set", "eth0", "up")
            try await Host.ip("-n", backend, "route", "add", "default", "via", "10.244.0.1")
        }
    }

    @Test func servicesReachTheirBackends() async throws {
        let servers = Servers()
        do {
            try await run(servers)
            await servers.stopAll()
        } catch {
            await servers.stopAll()
            throw error
        }
    }

    func run(_ servers: Servers) async throws {
        try await Host.withNamespaces(["sp-client", "sp-node", "sp-b1", "sp-b2"]) { names in
            let (client, node, backends) = (names[0], names[1], Array(names[2...]))
            try await buildNetwork(client: client, node: node, backends: backends)
            for (index, backend) in backends.enumerated() {
                await servers.start(in: backend, answering: "backend-\(index + 1)")
                try await eventually("backend \(index + 1) listening", timeout: .seconds(10)) {
                    try await Host.exec(in: backend, ["/bin/busybox", "nc", "-w", "1", "127.0.0.1", "8080"]).output.contains("backend")
                }
            }
            let configuration = ServiceProxyConfiguration(
                nodeName: "node", nodeIPs: [Fixtures.ip(Self.nodeIP)], clusterCIDRs: [IPPrefix("10.244.0.0/24")!])
            let proxier = ServiceProxier(
                configuration: configuration, runner: CommandNFTablesRunner(networkNamespace: node), logger: Fixtures.logger)
            let endpoints = (0..<2).map { ProxyEndpoint(ip: Fixtures.ip("10.244.0.\(11 + $0)"), ports: ["http": 8080], nodeName: "node") }
            func service(_ name: String, _ ip: String, nodePort: Int? = nil, affinity: Int? = nil) -> ProxyService {
                ProxyService(
                    id: .init(namespace: "default", name: name), clusterIPs: [Fixtures.ip(ip)],
                    ports: [.init(name: "http", port: 80, targetPort: 8080, nodePort: nodePort)], sessionAffinityTimeout: affinity)
            }
            for (made, list) in [(service("web", Self.clusterIP, nodePort: 30080), endpoints), (service("empty", Self.emptyIP), []),
                                 (service("sticky", Self.stickyIP, affinity: 600), endpoints),
                                 (service("self", Self.selfIP), [endpoints[0]])] {
                await proxier.setService(made.id, made)
                await proxier.setEndpoints(made.id, list)
            }
            try await proxier.sync()

            // A cluster IP reaches the backends, and both get picked.
            var seen: Set<String> = []
            for _ in 0..<40 where seen.count < 2 {
                let answer = try await Self.connect(client, Self.clusterIP)
                #expect(answer.hasPrefix("backend-"), "cluster IP answered: \(answer)")
                seen.insert(answer)
            }
            #expect(seen == ["backend-1", "backend-2"])

            // The node port answers on the node's address.
            #expect(try await Self.connect(client, Self.nodeIP, 30080).hasPrefix("backend-"))

            // No endpoint: refused (a REJECT), not left to time out (a DROP would say so).
            let refused = try await Self.connect(client, Self.emptyIP)
            #expect(refused.contains("refused"), "empty Service answered: \(refused)")

            // Session affinity: every connection of this client goes to the same backend.
            var sticky: Set<String> = []
            for _ in 0..<12 { sticky.insert(try await Self.connect(client, Self.stickyIP)) }
            #expect(sticky.count == 1 && sticky.first?.hasPrefix("backend-") == true, "affinity gave \(sticky)")

            // Hairpin: backend 1 reaches itself through a Service whose only endpoint it is.
            let hairpin = try await Self.connect(backends[0], Self.selfIP)
            #expect(hairpin == "backend-1", "hairpin answered: \(hairpin)")

            // An incremental change: the Service loses backend 1, and only backend 2 answers.
            await proxier.setEndpoints(.init(namespace: "default", name: "web"), [endpoints[1]])
            try await proxier.sync()
            for _ in 0..<6 { #expect(try await Self.connect(client, Self.clusterIP) == "backend-2") }
        }
    }
}
