import KubeAPI

/// The local node, as an overlay sets up its side: its pod CIDR(s) and the address other nodes
/// reach it at. Dual-stack: at most one pod CIDR and one public IP per IP family; a family is
/// set up when it has both.
public struct OverlayLocalNode: OverlayAddressing, Sendable, Hashable {
    /// The node's name.
    public var name: String
    /// The node's pod CIDRs (`spec.podCIDRs`), masked; one per family.
    public var podCIDRs: [IPPrefix]
    /// The node's addresses on the network between nodes (the Flannel `public-ip`); one per
    /// family.
    public var publicIPs: [IPAddress]
    /// The interface that carries ``publicIPs`` (`--flannel-iface`); `nil` finds the one that
    /// holds the public IP.
    public var interface: String?
    /// The MTU of that interface; `nil` reads it from the kernel.
    public var underlayMTU: Int?

    /// Creates a node; pod CIDRs are masked.
    public init(name: String, podCIDRs: [IPPrefix], publicIPs: [IPAddress], interface: String? = nil, underlayMTU: Int? = nil) {
        self.name = name
        self.podCIDRs = podCIDRs.map(\.masked)
        self.publicIPs = publicIPs
        self.interface = interface
        self.underlayMTU = underlayMTU
    }

    /// The families to set up (``OverlayAddressing/families``).
    ///
    /// - Throws: ``OverlayError`` when there is none.
    func requiredFamilies() throws -> [IPAddress.Family] {
        guard !families.isEmpty else {
            throw OverlayError("node \(name) has no pod CIDR and public IP of the same family (pod CIDRs \(podCIDRs), public IPs \(publicIPs))")
        }
        return families
    }
}
