import ClusterTesting
import KubeAPI
import NetOverlay

/// Two "nodes" and their "pods", made of network namespaces for one test:
///
/// - node namespaces `ovl-SUFFIX-a` and `ovl-SUFFIX-b`, joined by a veth pair (`eth0` in
///   each, 10.123.0.1/24 and 10.123.0.2/24);
/// - a pod namespace per node (`ovl-SUFFIX-pa`, `ovl-SUFFIX-pb`), joined to its node by a veth
///   pair: `eth0` in the pod (10.244.1.2/24, 10.244.2.2/24, default route via the node side),
///   `vpod` on the node (10.244.1.1/24, 10.244.2.1/24), as the CNI bridge would be.
///
/// Everything lives in those namespaces; ``with(_:)`` deletes them all, also when the body
/// fails (deleting a namespace deletes its interfaces, routes and nftables tables).
struct KernelTestbed {
    struct Node {
        var namespace: String
        var podNamespace: String
        var publicIP: IPAddress
        var podCIDR: IPPrefix
        var podIP: IPAddress
        var runner: IPRouteCommandRunner { IPRouteCommandRunner(namespace: namespace) }
        var local: OverlayLocalNode { OverlayLocalNode(name: namespace, podCIDRs: [podCIDR], publicIPs: [publicIP]) }
    }

    let a: Node
    let b: Node
    let host = IPRouteCommandRunner()

    static func with(_ body: (KernelTestbed) async throws -> Void) async throws {
        let prefix = "ovl-\(HostTools.suffix())"
        let bed = KernelTestbed(
            a: Node(namespace: prefix + "-a", podNamespace: prefix + "-pa", publicIP: IPAddress("10.123.0.1")!, podCIDR: IPPrefix("10.244.1.0/24")!, podIP: IPAddress("10.244.1.2")!),
            b: Node(namespace: prefix + "-b", podNamespace: prefix + "-pb", publicIP: IPAddress("10.123.0.2")!, podCIDR: IPPrefix("10.244.2.0/24")!, podIP: IPAddress("10.244.2.2")!))
        var failure: (any Error)?
        do {
            try await bed.build()
            try await body(bed)
        } catch {
            failure = error
        }
        // In a task of its own: a cancelled test still removes what it made.
        await Task {
            for namespace in [bed.a.podNamespace, bed.b.podNamespace, bed.a.namespace, bed.b.namespace] {
                _ = try? await bed.host.run(LinkCommand(.ip, ["netns", "delete", namespace]))
            }
        }.value
        if let failure { throw failure }
    }

    private func build() async throws {
        for node in [a, b] {
            for namespace in [node.namespace, node.podNamespace] {
                try await ip(nil, "netns", "add", namespace)
                try await ip(namespace, "link", "set", "lo", "up")
            }
        }
        try await ip(a.namespace, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b.namespace)
        for node in [a, b] {
            try await ip(node.namespace, "address", "add", "\(node.publicIP)/24", "dev", "eth0")
            try await ip(node.namespace, "link", "set", "eth0", "up")
            try await ip(node.namespace, "link", "add", "vpod", "type", "veth", "peer", "name", "eth0", "netns", node.podNamespace)
            try await ip(node.namespace, "address", "add", "\(node.podCIDR.address(at: 1)!)/24", "dev", "vpod")
            try await ip(node.namespace, "link", "set", "vpod", "up")
            try await ip(node.podNamespace, "address", "add", "\(node.podIP)/24", "dev", "eth0")
            try await ip(node.podNamespace, "link", "set", "eth0", "up")
            try await ip(node.podNamespace, "route", "add", "default", "via", "\(node.podCIDR.address(at: 1)!)")
        }
    }

    /// Runs `ip` in `namespace` (the host's for `nil`).
    @discardableResult
    func ip(_ namespace: String?, _ arguments: String...) async throws -> String {
        try await IPRouteCommandRunner(namespace: namespace).run(LinkCommand(.ip, arguments))
    }

    /// Whether one ping from `from`'s pod reaches `to`'s pod IP within a second.
    func ping(from: Node, to: Node) async -> Bool {
        let command = LinkCommand(.ip, ["netns", "exec", from.podNamespace, "/bin/busybox", "ping", "-c", "1", "-W", "1", "\(to.podIP)"])
        return (try? await host.run(command)) != nil
    }

    /// One TCP exchange (busybox nc) from `from`'s pod to `to`'s pod IP, port 8080: each side
    /// sends a line naming its namespace; returns what the client and the server received.
    func tcp(from: Node, to: Node) async throws -> (client: String, server: String) {
        let busybox = "/bin/busybox"
        async let server = host.run(LinkCommand(
            .ip, ["netns", "exec", to.podNamespace, busybox, "timeout", "20", busybox, "nc", "-l", "-p", "8080"],
            input: "hello from \(to.podNamespace)\n"))
        let client = LinkCommand(
            .ip, ["netns", "exec", from.podNamespace, busybox, "timeout", "10", busybox, "nc", "-w", "2", "\(to.podIP)", "8080"],
            input: "hello from \(from.podNamespace)\n")
        let answer = try await eventually("a TCP connection to \(to.podIP):8080", timeout: .seconds(15)) { () async -> String? in
            guard let output = try? await host.run(client), !output.isEmpty else { return nil }
            return output
        }
        return (answer, try await server)
    }

    /// What a node's kernel holds for the overlay, as text to compare across runs: the main
    /// routing table, the neighbours and forwarding entries of `device`, its link, the
    /// masquerade table.
    ///
    /// IPv4 only: a new device's IPv6 link-local address is `tentative` until duplicate address
    /// detection ends, a second or two after the link comes up, so it would differ by timing.
    func snapshot(_ node: Node, device: String?) async throws -> String {
        var parts = [try await ip(node.namespace, "-4", "-json", "route", "show")]
        if let device {
            parts.append(try await ip(node.namespace, "-4", "-json", "neigh", "show", "dev", device))
            parts.append(try await node.runner.run(LinkCommand(.bridge, ["-json", "fdb", "show", "dev", device])))
            parts.append(try await ip(node.namespace, "-4", "-json", "address", "show", "dev", device))
        }
        parts.append(try await node.runner.run(LinkCommand(.nft, ["list", "table", "ip", OverlayMasquerade.tableName])))
        return parts.joined(separator: "\n")
    }
}
