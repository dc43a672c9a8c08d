import KubeAPI

/// The decisions of ``VXLANOverlay`` as pure functions: from what the kernel holds and what
/// should be there, the `ip -batch` and `bridge -batch` lines that make them equal (nothing
/// when they already are).
enum VXLANPlan {
    /// The tunnel device of one family as it should be.
    struct Device: Sendable, Hashable {
        var name: String
        var vni: Int
        var port: Int
        var local: IPAddress
        var underlay: String
        var macAddress: MACAddress
        var mtu: Int
        /// The node's pod network address as a host address (`10.42.1.0/32`).
        var address: IPPrefix
    }

    /// What one peer needs on the device: a route to its pod CIDR through its network address
    /// (on-link), that address's MAC, and where that MAC lives.
    struct PeerEntry: Sendable, Hashable {
        var podCIDR: IPPrefix
        var macAddress: MACAddress
        var publicIP: IPAddress
        /// The peer's pod network address (`10.42.2.0`), its device's address.
        var gateway: IPAddress { podCIDR.network }
    }

    /// The lines that create or fix `desired` given `current` (`nil`: no such link).
    static func deviceLines(current: KernelLink?, desired: Device) -> [String] {
        let name = desired.name
        let add = "link add \(name) address \(desired.macAddress) type vxlan id \(desired.vni) local \(desired.local) "
            + "dev \(desired.underlay) dstport \(desired.port) nolearning"
        var lines: [String] = []
        var existing = current
        if let link = current {
            let settings = link.vxlan
            let compatible = link.kind == "vxlan" && settings?.vni == desired.vni && settings?.local == desired.local
                && settings?.port == desired.port && settings?.learning == false
                && (settings?.underlay == nil || settings?.underlay == desired.underlay)
            if !compatible {
                lines += ["link delete \(name)", add]
                existing = nil
            } else if link.macAddress != desired.macAddress {
                lines.append("link set \(name) address \(desired.macAddress)")
            }
        } else {
            lines.append(add)
        }
        if existing?.mtu != desired.mtu { lines.append("link set \(name) mtu \(desired.mtu)") }
        let family = desired.address.family
        let addresses = (existing?.addresses ?? []).filter { $0.prefix.family == family && $0.scope != "link" }.map(\.prefix)
        for stale in addresses where stale != desired.address {
            lines.append("address delete \(stale) dev \(name)")
        }
        if !addresses.contains(desired.address) { lines.append("address add \(desired.address) dev \(name)") }
        if existing?.isUp != true { lines.append("link set \(name) up") }
        return lines
    }

    /// The `ip` and `bridge` lines that make `device`'s routes, permanent neighbours and
    /// forwarding entries exactly those of `peers`. Deletions come first; lines are sorted so
    /// the same state always gives the same commands.
    static func peerLines(
        device: String, peers: [PeerEntry], routes: [KernelRoute], neighbours: [KernelNeighbour], forwarding: [KernelFDBEntry]
    ) -> (ip: [String], bridge: [String]) {
        let peers = peers.sorted { $0.podCIDR < $1.podCIDR }
        let wantedRoutes = Set(peers.map { RouteKey(destination: $0.podCIDR, gateway: $0.gateway, onLink: true) })
        let ownRoutes = routes.filter { $0.routingProtocol != "kernel" }
        let haveRoutes = Set(ownRoutes.map { RouteKey(destination: $0.destination, gateway: $0.gateway, onLink: $0.onLink) })
        let wantedDestinations = Set(wantedRoutes.map(\.destination))

        let wantedNeighbours = Dictionary(peers.map { ($0.gateway, $0.macAddress) }, uniquingKeysWith: { first, _ in first })
        let haveNeighbours = neighbours.filter(\.isPermanent)

        var ip: [String] = []
        for route in Set(ownRoutes.map(\.destination)).subtracting(wantedDestinations).sorted() {
            ip.append("route delete \(route) dev \(device)")
        }
        for neighbour in haveNeighbours.sorted(by: { $0.address < $1.address }) where wantedNeighbours[neighbour.address] == nil {
            ip.append("neigh delete \(neighbour.address) dev \(device)")
        }
        for peer in peers where !haveNeighbours.contains(KernelNeighbour(address: peer.gateway, macAddress: peer.macAddress, isPermanent: true)) {
            ip.append("neigh replace \(peer.gateway) lladdr \(peer.macAddress) dev \(device) nud permanent")
        }
        for peer in peers where !haveRoutes.contains(RouteKey(destination: peer.podCIDR, gateway: peer.gateway, onLink: true)) {
            ip.append("route replace \(peer.podCIDR) via \(peer.gateway) dev \(device) onlink proto \(KernelNetwork.routeProtocol)")
        }

        let wantedEntries = Set(peers.map { KernelFDBEntry(macAddress: $0.macAddress, destination: $0.publicIP) })
        var bridge: [String] = []
        for entry in forwarding.sorted(by: { "\($0.macAddress)\($0.destination)" < "\($1.macAddress)\($1.destination)" })
        where !wantedEntries.contains(entry) {
            bridge.append("fdb delete \(entry.macAddress) dev \(device) dst \(entry.destination) self")
        }
        for peer in peers where !forwarding.contains(KernelFDBEntry(macAddress: peer.macAddress, destination: peer.publicIP)) {
            bridge.append("fdb replace \(peer.macAddress) dev \(device) dst \(peer.publicIP) self permanent")
        }
        return (ip, bridge)
    }

    private struct RouteKey: Hashable {
        var destination: IPPrefix
        var gateway: IPAddress?
        var onLink: Bool
    }
}
