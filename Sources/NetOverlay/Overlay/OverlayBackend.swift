/// How an overlay carries pod traffic between nodes, named as Flannel names its backends
/// (`--flannel-backend`, the `backend-type` annotation).
public enum OverlayBackend: String, Sendable, Hashable, CaseIterable, Codable {
    /// VXLAN encapsulation (VNI 1, UDP port 8472, device `flannel.1`).
    case vxlan = "vxlan"
    /// Plain routes to each peer's pod CIDR through the peer's address; nodes share a link.
    case hostGateway = "host-gw"
}
