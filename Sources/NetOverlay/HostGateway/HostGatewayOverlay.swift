import KubeAPI
import Logging

/// Flannel's `host-gw` backend: no encapsulation, a route to each peer's pod CIDR through the
/// peer's public IP on the interface that carries the local one
/// (`10.42.2.0/24 via 10.0.0.2 dev eth0`). Nodes must share a link. The routes carry routing
/// protocol 75, by which a restarted process finds them again: routes of that protocol that
/// name no current peer are deleted, missing ones added, nothing duplicated.
public actor HostGatewayOverlay: Overlay {
    /// `host-gw`.
    public nonisolated let backend = OverlayBackend.hostGateway
    /// The masquerading of pod egress; `nil` leaves it off (and removes an old table).
    public nonisolated let masquerade: OverlayMasquerade?
    let kernel: KernelNetwork
    let logger: Logger
    private var node: OverlayLocalNode?
    private var underlays: [IPAddress.Family: KernelLink] = [:]

    /// Creates the overlay; nothing happens until ``setUp(_:)``.
    public init(runner: any LinkCommandRunner, masquerade: OverlayMasquerade?, logger: Logger) {
        self.kernel = KernelNetwork(runner: runner)
        self.masquerade = masquerade
        self.logger = logger
    }

    public func setUp(_ node: OverlayLocalNode) async throws -> OverlayAttributes {
        let families = try node.requiredFamilies()
        var underlays: [IPAddress.Family: KernelLink] = [:]
        var attributes = OverlayAttributes(backend: .hostGateway, publicIPs: families.compactMap { node.publicIP($0) })
        for family in families {
            let underlay = try await kernel.underlay(of: node, family: family)
            try await kernel.enableForwarding(family)
            underlays[family] = underlay
            attributes.podMTU = min(attributes.podMTU ?? .max, node.underlayMTU ?? underlay.mtu ?? 1500)
        }
        try await kernel.apply(masquerade, podCIDRs: node.podCIDRs, families: families)
        self.node = node
        self.underlays = underlays
        return attributes
    }

    public func setPeers(_ peers: [OverlayPeer]) async throws {
        guard let node else { throw OverlayError("the host-gw overlay is not set up") }
        for family in IPAddress.Family.allCases {
            var wanted: [KernelRoute] = []
            if let underlay = underlays[family] {
                let reachable = underlay.addresses.map(\.prefix).filter { $0.family == family && $0.length < family.bitWidth }
                for peer in peers.sorted(by: { $0.name < $1.name }) where peer.name != node.name {
                    guard peer.backend == .hostGateway else {
                        logger.warning("peer skipped: it runs another backend", metadata: ["peer": "\(peer.name)", "backend": "\(peer.backend.rawValue)"])
                        continue
                    }
                    guard let podCIDR = peer.podCIDR(family), let publicIP = peer.publicIP(family) else { continue }
                    guard reachable.contains(where: { $0.contains(publicIP) }) else {
                        logger.warning("peer skipped: host-gw needs it on a network of \(underlay.name)", metadata: ["peer": "\(peer.name)", "publicIP": "\(publicIP)"])
                        continue
                    }
                    guard !podCIDR.overlaps(node.podCIDR(family)!), !wanted.contains(where: { $0.destination.overlaps(podCIDR) }) else {
                        logger.warning("peer skipped: its pod CIDR overlaps another", metadata: ["peer": "\(peer.name)", "podCIDR": "\(podCIDR)"])
                        continue
                    }
                    wanted.append(KernelRoute(destination: podCIDR, gateway: publicIP, device: underlay.name))
                }
            }
            let lines = Self.routeLines(wanted: wanted, current: try await kernel.ownedRoutes(family: family))
            try await kernel.ip(lines)
            if !lines.isEmpty {
                logger.info("host-gw routes reconciled", metadata: ["family": "\(family.rawValue)", "routes": "\(wanted.count)", "changes": "\(lines.count)"])
            }
        }
    }

    public func tearDown() async throws {
        for family in IPAddress.Family.allCases {
            try await kernel.ip(Self.routeLines(wanted: [], current: try await kernel.ownedRoutes(family: family)))
        }
        try await kernel.nft(OverlayMasquerade.removalScript)
        node = nil
        underlays = [:]
    }

    /// The `ip -batch` lines that make the overlay's routes (`current`, those of protocol 75)
    /// exactly `wanted`: deletions first, then replacements, each sorted by destination.
    static func routeLines(wanted: [KernelRoute], current: [KernelRoute]) -> [String] {
        func key(_ route: KernelRoute) -> String { "\(route.destination) \(route.gateway.map { "\($0)" } ?? "-") \(route.device ?? "-")" }
        let wantedDestinations = Set(wanted.map(\.destination))
        let have = Set(current.map(key))
        var lines: [String] = []
        for destination in Set(current.map(\.destination)).subtracting(wantedDestinations).sorted() {
            lines.append("route delete \(destination) proto \(KernelNetwork.routeProtocol)")
        }
        for route in wanted.sorted(by: { $0.destination < $1.destination }) where !have.contains(key(route)) {
            var line = "route replace \(route.destination)"
            if let gateway = route.gateway { line += " via \(gateway)" }
            if let device = route.device { line += " dev \(device)" }
            lines.append(line + " proto \(KernelNetwork.routeProtocol)")
        }
        return lines
    }
}
