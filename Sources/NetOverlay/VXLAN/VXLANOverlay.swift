import KubeAPI
import Logging

/// Flannel's `vxlan` backend, compatible on the wire and in its node annotations: one VXLAN
/// device per IP family (`flannel.1`, `flannel-v6.1`), VNI 1, UDP port 8472, no learning,
/// bound to the node's public IP, MTU = underlay MTU − 50 (− 70 over IPv6). The device carries
/// the node's pod network address as a host address (`10.42.1.0/32`). For each peer it holds
/// an on-link route to the peer's pod CIDR through the peer's network address
/// (`10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink`), a permanent neighbour entry
/// (`10.42.2.0` → the peer's VTEP MAC) and a forwarding entry (that MAC → the peer's public IP).
///
/// Kernel state is read back (`ip -json`, `bridge -json`) and only the difference is applied,
/// in `ip -batch -` and `bridge -batch -` runs through a ``LinkCommandRunner``. The device's
/// MAC depends only on the VNI and the public IP, so a device re-created after a restart keeps
/// the MAC its node already published. Pod egress leaving the cluster CIDR is masqueraded by
/// ``OverlayMasquerade`` when configured.
public actor VXLANOverlay: Overlay {
    /// `vxlan`.
    public nonisolated let backend = OverlayBackend.vxlan
    /// Flannel's VNI.
    public static let defaultVNI = 1
    /// Flannel's UDP port (the Linux default, not IANA's 4789).
    public static let defaultPort = 8472

    /// The device of `family` for `vni`: `flannel.1` / `flannel-v6.1`, as Flannel names them.
    public static func deviceName(_ family: IPAddress.Family, vni: Int = defaultVNI) -> String {
        family == .ipv4 ? "flannel.\(vni)" : "flannel-v6.\(vni)"
    }

    /// Bytes of encapsulation: outer IP, UDP, VXLAN and inner Ethernet headers.
    public static func overhead(_ family: IPAddress.Family) -> Int { family == .ipv4 ? 50 : 70 }

    /// The VTEP MAC a node with `publicIP` uses.
    public static func vtepMAC(publicIP: IPAddress, vni: Int = defaultVNI) -> MACAddress {
        MACAddress.stable(seed: "k3s-swift/vxlan/\(vni)/\(publicIP)")
    }

    /// The VNI.
    public nonisolated let vni: Int
    /// The UDP port.
    public nonisolated let port: Int
    /// The masquerading of pod egress; `nil` leaves it off (and removes an old table).
    public nonisolated let masquerade: OverlayMasquerade?
    let kernel: KernelNetwork
    let logger: Logger
    private var node: OverlayLocalNode?
    private var devices: [IPAddress.Family: VXLANPlan.Device] = [:]

    /// Creates the overlay; nothing happens until ``setUp(_:)``.
    public init(
        runner: any LinkCommandRunner, masquerade: OverlayMasquerade?, vni: Int = VXLANOverlay.defaultVNI,
        port: Int = VXLANOverlay.defaultPort, logger: Logger
    ) {
        self.kernel = KernelNetwork(runner: runner)
        self.masquerade = masquerade
        self.vni = vni
        self.port = port
        self.logger = logger
    }

    public func setUp(_ node: OverlayLocalNode) async throws -> OverlayAttributes {
        let families = try node.requiredFamilies()
        var devices: [IPAddress.Family: VXLANPlan.Device] = [:]
        var attributes = OverlayAttributes(backend: .vxlan, publicIPs: families.compactMap { node.publicIP($0) })
        for family in families {
            let podCIDR = node.podCIDR(family)!, publicIP = node.publicIP(family)!
            let underlay = try await kernel.underlay(of: node, family: family)
            let mtu = (node.underlayMTU ?? underlay.mtu ?? 1500) - Self.overhead(family)
            let device = VXLANPlan.Device(
                name: Self.deviceName(family, vni: vni), vni: vni, port: port, local: publicIP, underlay: underlay.name,
                macAddress: Self.vtepMAC(publicIP: publicIP, vni: vni), mtu: mtu,
                address: try IPPrefix(address: podCIDR.network, length: podCIDR.network.bitWidth))
            let lines = VXLANPlan.deviceLines(current: try await kernel.link(device.name), desired: device)
            try await kernel.ip(lines)
            try await kernel.enableForwarding(family)
            if !lines.isEmpty { logger.info("vxlan device \(device.name) set up", metadata: ["changes": "\(lines.count)"]) }
            devices[family] = device
            attributes.backendData[family] = OverlayBackendData(vni: vni, vtepMAC: device.macAddress)
            attributes.podMTU = min(attributes.podMTU ?? .max, mtu)
        }
        for family in IPAddress.Family.allCases where devices[family] == nil {
            try await removeDevice(Self.deviceName(family, vni: vni))
        }
        try await kernel.apply(masquerade, podCIDRs: node.podCIDRs, families: families)
        self.node = node
        self.devices = devices
        return attributes
    }

    public func setPeers(_ peers: [OverlayPeer]) async throws {
        guard let node else { throw OverlayError("the vxlan overlay is not set up") }
        for (family, device) in devices.sorted(by: { $0.key == .ipv4 && $1.key == .ipv6 }) {
            var entries: [VXLANPlan.PeerEntry] = []
            for peer in peers.sorted(by: { $0.name < $1.name }) where peer.name != node.name {
                guard peer.backend == .vxlan else {
                    logger.warning("peer skipped: it runs another backend", metadata: ["peer": "\(peer.name)", "backend": "\(peer.backend.rawValue)"])
                    continue
                }
                guard let podCIDR = peer.podCIDR(family), let publicIP = peer.publicIP(family),
                    let data = peer.backendData[family], let mac = data.vtepMAC
                else {
                    logger.debug("peer has no \(family.rawValue) overlay data", metadata: ["peer": "\(peer.name)"])
                    continue
                }
                guard data.vni == nil || data.vni == vni else {
                    logger.warning("peer skipped: it uses another VNI", metadata: ["peer": "\(peer.name)", "vni": "\(data.vni!)"])
                    continue
                }
                guard !podCIDR.overlaps(node.podCIDR(family)!), !entries.contains(where: { $0.podCIDR.overlaps(podCIDR) }) else {
                    logger.warning("peer skipped: its pod CIDR overlaps another", metadata: ["peer": "\(peer.name)", "podCIDR": "\(podCIDR)"])
                    continue
                }
                entries.append(VXLANPlan.PeerEntry(podCIDR: podCIDR, macAddress: mac, publicIP: publicIP))
            }
            let (ip, bridge) = VXLANPlan.peerLines(
                device: device.name, peers: entries,
                routes: try await kernel.routes(device: device.name, family: family),
                neighbours: try await kernel.neighbours(device: device.name, family: family),
                forwarding: try await kernel.forwardingEntries(device: device.name))
            try await kernel.ip(ip)
            try await kernel.bridge(bridge)
            if !ip.isEmpty || !bridge.isEmpty {
                logger.info("vxlan peers reconciled", metadata: ["device": "\(device.name)", "peers": "\(entries.count)", "changes": "\(ip.count + bridge.count)"])
            }
        }
    }

    public func tearDown() async throws {
        for family in IPAddress.Family.allCases {
            try await removeDevice(Self.deviceName(family, vni: vni))
        }
        try await kernel.nft(OverlayMasquerade.removalScript)
        node = nil
        devices = [:]
    }

    /// Deletes the device if it exists (its routes, neighbours and forwarding entries go with it).
    private func removeDevice(_ name: String) async throws {
        guard try await kernel.link(name) != nil else { return }
        try await kernel.ip(["link delete \(name)"])
        logger.info("vxlan device \(name) removed")
    }
}
