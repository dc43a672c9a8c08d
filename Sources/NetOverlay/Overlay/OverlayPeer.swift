import KubeAPI

/// Another node, as the local overlay routes to it: its pod CIDR(s), its public IP(s) and what
/// it published about its backend. Dual-stack: at most one pod CIDR and public IP per family.
public struct OverlayPeer: OverlayAddressing, Sendable, Hashable {
    /// The node's name.
    public var name: String
    /// The node's pod CIDRs, masked.
    public var podCIDRs: [IPPrefix]
    /// The node's public IPs.
    public var publicIPs: [IPAddress]
    /// The backend the node runs.
    public var backend: OverlayBackend
    /// What the node published per family (the VTEP MAC for VXLAN).
    public var backendData: [IPAddress.Family: OverlayBackendData]

    /// Creates a peer; pod CIDRs are masked.
    public init(
        name: String, podCIDRs: [IPPrefix], publicIPs: [IPAddress], backend: OverlayBackend,
        backendData: [IPAddress.Family: OverlayBackendData] = [:]
    ) {
        self.name = name
        self.podCIDRs = podCIDRs.map(\.masked)
        self.publicIPs = publicIPs
        self.backend = backend
        self.backendData = backendData
    }
}
