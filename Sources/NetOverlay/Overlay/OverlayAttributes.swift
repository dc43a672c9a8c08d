import KubeAPI

/// What ``Overlay/setUp(_:)`` reports for the local node to publish (as Flannel's node
/// annotations, see ``FlannelAnnotations``), and the MTU its pods should use.
public struct OverlayAttributes: Sendable, Hashable {
    /// The backend.
    public var backend: OverlayBackend
    /// The public IPs the overlay was set up with, one per family.
    public var publicIPs: [IPAddress]
    /// Backend data by family (empty values for host-gw).
    public var backendData: [IPAddress.Family: OverlayBackendData]
    /// The MTU for pod interfaces and the CNI bridge (``CNIConfiguration/mtu``): the underlay's
    /// minus the encapsulation overhead.
    public var podMTU: Int?

    /// Creates attributes.
    public init(backend: OverlayBackend, publicIPs: [IPAddress], backendData: [IPAddress.Family: OverlayBackendData] = [:], podMTU: Int? = nil) {
        self.backend = backend
        self.publicIPs = publicIPs
        self.backendData = backendData
        self.podMTU = podMTU
    }
}
