import KubeAPI

/// A node's addresses as an overlay sees them, at most one of each per IP family: what the
/// local node and its peers share.
public protocol OverlayAddressing {
    /// The node's pod CIDRs, masked.
    var podCIDRs: [IPPrefix] { get }
    /// The node's addresses between nodes.
    var publicIPs: [IPAddress] { get }
}

extension OverlayAddressing {
    /// The pod CIDR of `family`, if any.
    public func podCIDR(_ family: IPAddress.Family) -> IPPrefix? { podCIDRs.first { $0.family == family } }

    /// The public IP of `family`, if any.
    public func publicIP(_ family: IPAddress.Family) -> IPAddress? { publicIPs.first { $0.family == family } }

    /// The families with both a pod CIDR and a public IP, IPv4 first.
    public var families: [IPAddress.Family] {
        IPAddress.Family.allCases.filter { podCIDR($0) != nil && publicIP($0) != nil }
    }
}
