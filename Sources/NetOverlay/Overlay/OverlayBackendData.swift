/// What a node publishes about its end of the overlay for one IP family (Flannel's
/// `backend-data` / `backend-v6-data`): for VXLAN the network identifier and the MAC of its
/// tunnel device; nothing for host-gw.
public struct OverlayBackendData: Sendable, Hashable, Codable {
    /// The VXLAN network identifier (Flannel's `VNI`); `nil` when not published.
    public var vni: Int?
    /// The MAC of the node's VXLAN device (Flannel's `VtepMAC`).
    public var vtepMAC: MACAddress?

    /// Creates backend data.
    public init(vni: Int? = nil, vtepMAC: MACAddress? = nil) {
        self.vni = vni
        self.vtepMAC = vtepMAC
    }

    enum CodingKeys: String, CodingKey {
        case vni = "VNI"
        case vtepMAC = "VtepMAC"
    }
}
