import KubeAPI

/// What the overlays read from and write to the kernel, as iproute2, `nft` and `sysctl`
/// commands through a ``LinkCommandRunner``. Writes go in batches (`ip -batch -`,
/// `bridge -batch -`, `nft -f -`); an empty batch runs nothing.
struct KernelNetwork: Sendable {
    /// The routing protocol number on every route an overlay adds (`proto 75`), by which
    /// host-gw finds its routes again after a restart.
    static let routeProtocol = 75

    let runner: any LinkCommandRunner

    /// `-4` or `-6`.
    static func flag(_ family: IPAddress.Family) -> String { family == .ipv4 ? "-4" : "-6" }

    /// The link named `name` with its details and addresses; `nil` if there is none.
    func link(_ name: String) async throws -> KernelLink? {
        do {
            return try KernelLink.parse(try await runner.run(LinkCommand(.ip, ["-details", "-json", "address", "show", "dev", name]))).first
        } catch let error as LinkCommandError where error.standardError.contains("does not exist") {
            return nil
        }
    }

    /// Every link with its addresses.
    func links() async throws -> [KernelLink] {
        try KernelLink.parse(try await runner.run(LinkCommand(.ip, ["-json", "address", "show"])))
    }

    /// The routes of `family` in the main table through `device`.
    func routes(device: String, family: IPAddress.Family) async throws -> [KernelRoute] {
        try KernelRoute.parse(try await runner.run(LinkCommand(.ip, [Self.flag(family), "-json", "route", "show", "dev", device])), family: family)
    }

    /// The routes of `family` in the main table that an overlay added (``routeProtocol``).
    func ownedRoutes(family: IPAddress.Family) async throws -> [KernelRoute] {
        try KernelRoute.parse(
            try await runner.run(LinkCommand(.ip, [Self.flag(family), "-json", "route", "show", "proto", "\(Self.routeProtocol)"])),
            family: family)
    }

    /// The neighbour entries of `family` on `device`.
    func neighbours(device: String, family: IPAddress.Family) async throws -> [KernelNeighbour] {
        try KernelNeighbour.parse(try await runner.run(LinkCommand(.ip, [Self.flag(family), "-json", "neigh", "show", "dev", device])))
    }

    /// The forwarding-database entries of `device` that name a remote endpoint.
    func forwardingEntries(device: String) async throws -> [KernelFDBEntry] {
        try KernelFDBEntry.parse(try await runner.run(LinkCommand(.bridge, ["-json", "fdb", "show", "dev", device])))
    }

    /// Runs `lines` as one `ip -batch -`; nothing when empty.
    func ip(_ lines: [String]) async throws {
        guard !lines.isEmpty else { return }
        _ = try await runner.run(LinkCommand(.ip, ["-batch", "-"], input: lines.joined(separator: "\n") + "\n"))
    }

    /// Runs `lines` as one `bridge -batch -`; nothing when empty.
    func bridge(_ lines: [String]) async throws {
        guard !lines.isEmpty else { return }
        _ = try await runner.run(LinkCommand(.bridge, ["-batch", "-"], input: lines.joined(separator: "\n") + "\n"))
    }

    /// Applies `script` as one `nft -f -` transaction.
    func nft(_ script: String) async throws {
        _ = try await runner.run(LinkCommand(.nft, ["-f", "-"], input: script))
    }

    /// Rebuilds the masquerade tables for `families` from scratch, or removes them (`nil`).
    func apply(_ masquerade: OverlayMasquerade?, podCIDRs: [IPPrefix], families: [IPAddress.Family]) async throws {
        try await nft(masquerade?.script(podCIDRs: podCIDRs, families: families) ?? OverlayMasquerade.removalScript)
    }

    /// Turns on forwarding for `family` (the node routes between its pods and the overlay).
    func enableForwarding(_ family: IPAddress.Family) async throws {
        let key = family == .ipv4 ? "net.ipv4.ip_forward" : "net.ipv6.conf.all.forwarding"
        _ = try await runner.run(LinkCommand(.sysctl, ["-q", "-w", "\(key)=1"]))
    }

    /// The interface that carries `node`'s public IP of `family`: `node.interface` when set
    /// (it must exist), else the link holding that address.
    func underlay(of node: OverlayLocalNode, family: IPAddress.Family) async throws -> KernelLink {
        guard let address = node.publicIP(family) else { throw OverlayError("node \(node.name) has no \(family.rawValue) public IP") }
        if let name = node.interface {
            guard let link = try await link(name) else { throw OverlayError("the overlay interface \(name) does not exist") }
            return link
        }
        guard let link = try await links().first(where: { $0.addresses.contains { $0.prefix.address == address } }) else {
            throw OverlayError("no interface holds the public IP \(address); name one (--flannel-iface)")
        }
        return link
    }
}
