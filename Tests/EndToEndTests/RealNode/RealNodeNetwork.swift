import Foundation

/// The network between real nodes: a namespace `k3se2e-net-<id>` of the test's holding a bridge
/// `br0`; each node attached to it gets a veth pair, `k3s-node0` inside the node's namespace and
/// `k3s-<node id>` on the bridge. ``remove()`` deletes the namespace, and with it the bridge and
/// every peer end left there (a node's own end goes with the node's namespace).
struct RealNodeNetwork: Sendable {
    /// Where a node's `k3s-node0` leads.
    enum Attachment: Sendable, Equatable {
        /// Nowhere: a veth pair whose both ends stay inside the node's namespace.
        case isolated
        /// A port of the bridge in the network's namespace.
        case bridge(namespace: String)

        /// Makes `k3s-node0` (down, without an address) in `netns`.
        func attach(netns: String, id: String) throws {
            switch self {
            case .isolated:
                // A veth pair with both ends inside (some kernels lack the dummy driver).
                try RealNode.ip(["-n", netns, "link", "add", "k3s-node0", "type", "veth", "peer", "name", "k3s-node1"])
                try RealNode.ip(["-n", netns, "link", "set", "k3s-node1", "up"])
            case .bridge(let namespace):
                let port = "k3s-\(id)"
                try RealNode.ip(["-n", netns, "link", "add", "k3s-node0", "type", "veth", "peer", "name", port, "netns", namespace])
                try RealNode.ip(["-n", namespace, "link", "set", port, "master", "br0", "up"])
            }
        }
    }

    /// The namespace holding the bridge.
    let namespace: String
    /// The fake upstream resolver, if started.
    private let resolver = ResolverProcess()

    /// The address of the fake upstream resolver on the bridge (every node's `--resolv-conf`
    /// names it; on an isolated node it is unreachable, and other names fail).
    static let upstreamResolver = "10.99.0.53"
    /// The names the fake upstream resolver answers, with their IPv4 addresses (documentation
    /// addresses, never contacted); any other name is NXDOMAIN.
    static let upstreamNames = ["upstream.example.test": "192.0.2.99"]

    /// A UDP DNS responder for ``upstreamNames`` (A records only), run by python3 on the bridge.
    static let resolverScript = """
        import socket, sys
        names = dict(pair.split("=") for pair in sys.argv[2:])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((sys.argv[1], 53))
        while True:
            query, peer = sock.recvfrom(4096)
            if len(query) < 17:
                continue
            i, labels = 12, []
            while query[i] != 0:
                labels.append(query[i + 1:i + 1 + query[i]].decode().lower())
                i += 1 + query[i]
            qtype = int.from_bytes(query[i + 1:i + 3], "big")
            address = names.get(".".join(labels))
            answers = 1 if address and qtype == 1 else 0
            flags = 0x8180 if address else 0x8183
            reply = query[:2] + flags.to_bytes(2, "big") + b"\\x00\\x01" + answers.to_bytes(2, "big") + b"\\x00" * 4 + query[12:i + 5]
            if answers:
                reply += b"\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04" + socket.inet_aton(address)
            sock.sendto(reply, peer)
        """

    /// Starts the fake upstream resolver at ``upstreamResolver`` on the bridge.
    func startUpstreamResolver() throws {
        try RealNode.ip(["-n", namespace, "address", "add", "\(Self.upstreamResolver)/24", "dev", "br0"])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: K3sServerProcess.executable(named: "ip") ?? "/usr/sbin/ip")
        process.arguments = ["netns", "exec", namespace, "python3", "-c", Self.resolverScript, Self.upstreamResolver]
            + Self.upstreamNames.map { "\($0.key)=\($0.value)" }
        try process.run()
        resolver.set(process)
    }

    /// Nodes attach to this network with it.
    var attachment: Attachment { .bridge(namespace: namespace) }

    /// Makes the namespace and its bridge.
    static func make() throws -> RealNodeNetwork {
        let namespace = "k3se2e-net-\(UUID().uuidString.lowercased().prefix(8))"
        try RealNode.ip(["netns", "add", namespace])
        do {
            try RealNode.ip(["-n", namespace, "link", "add", "br0", "type", "bridge"])
            try RealNode.ip(["-n", namespace, "link", "set", "br0", "up"])
        } catch {
            try? RealNode.ip(["netns", "delete", namespace])
            throw error
        }
        return RealNodeNetwork(namespace: namespace)
    }

    /// Runs a command in the network's namespace (a client outside every node, on the bridge
    /// at ``upstreamResolver``'s address once the resolver started).
    func run(_ command: [String]) async throws -> CommandResult {
        try await EndToEndTests.run(K3sServerProcess.executable(named: "ip") ?? "/usr/sbin/ip", ["netns", "exec", namespace] + command)
    }

    /// Runs `command` in the network's namespace until `accept` holds for its result; returns
    /// the last result, accepted or not.
    func runUntil(_ command: [String], timeout: Duration = .seconds(30), accept: (CommandResult) -> Bool) async throws -> CommandResult {
        let deadline = ContinuousClock.now + timeout
        var last = CommandResult(status: -1, stdout: "", stderr: "")
        while ContinuousClock.now < deadline {
            last = try await run(command)
            if accept(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        return last
    }

    /// Stops the fake resolver and deletes the namespace with the bridge; safe to call more
    /// than once.
    func remove() {
        resolver.stop()
        try? RealNode.ip(["netns", "delete", namespace])
    }
}

/// The fake resolver's process, stopped with the network.
private final class ResolverProcess: @unchecked Sendable {
    private let lock = NSLock()
    private var process: Process?

    func set(_ process: Process) { lock.withLock { self.process = process } }

    func stop() {
        guard let process = lock.withLock({ self.process }) else { return }
        // SIGKILL: the test process's threads block SIGTERM, and children inherit the mask.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
