import FoundationEssentials
import KubeAPI

/// The CNI network of a node's pods, as containerd's CRI plugin reads it from its CNI
/// configuration directory: a Linux bridge (`cni0`) that is the pods' gateway, pod IPs from the
/// node's pod CIDR by `host-local`, masquerading of traffic that leaves the pod network, hairpin
/// mode (a pod reaches itself through a Service), and `portmap` for `hostPort`s. containerd adds
/// the loopback interface itself (with the `loopback` plugin from the same directory).
public struct CNIConfiguration: Sendable, Hashable {
    /// The file containerd finds first in its configuration directory.
    public static let defaultFileName = "10-k3s-swift.conflist"

    /// The network's name (also `host-local`'s directory, `/var/lib/cni/networks/NAME`).
    public var networkName: String
    /// The bridge interface.
    public var bridgeName: String
    /// The node's pod CIDRs (one per IP family), each already masked.
    public var podCIDRs: [IPPrefix]
    /// The MTU of the bridge and pod interfaces; `nil` keeps the plugin's default.
    public var mtu: Int?
    /// Whether the bridge plugin masquerades traffic leaving the pod CIDR (its `ipMasq`). Turn
    /// it off when an overlay masquerades instead (``OverlayMasquerade``): the plugin's rules
    /// would also rewrite pod-to-pod traffic to other nodes.
    public var ipMasq: Bool

    /// Creates the network of a node from its `spec.podCIDR` (or comma-separated `podCIDRs`).
    /// - Throws: `InvalidPodCIDR` for an empty or malformed CIDR, or one too small to hold a
    ///   gateway and a pod.
    public init(
        podCIDR: String, networkName: String = "k3s-swift", bridgeName: String = "cni0", mtu: Int? = nil, ipMasq: Bool = true
    ) throws {
        let parts = podCIDR.split(separator: ",").map { $0.filter { !$0.isWhitespace } }
        guard !parts.isEmpty else { throw InvalidPodCIDR(text: podCIDR, reason: "it is empty") }
        podCIDRs = try parts.map { part in
            guard let prefix = IPPrefix(part) else { throw InvalidPodCIDR(text: podCIDR, reason: "\(part) is not a CIDR") }
            guard prefix.hostBitCount >= 2 else { throw InvalidPodCIDR(text: podCIDR, reason: "\(part) has no room for pods") }
            return prefix.masked
        }
        self.networkName = networkName
        self.bridgeName = bridgeName
        self.mtu = mtu
        self.ipMasq = ipMasq
    }

    /// A pod CIDR that cannot make a network.
    public struct InvalidPodCIDR: Error, CustomStringConvertible {
        /// The CIDR as given.
        public var text: String
        /// Why not.
        public var reason: String
        /// A readable message.
        public var description: String { "invalid pod CIDR \"\(text)\": \(reason)" }
    }

    /// The gateway (the bridge's address) of a pod CIDR: its first address.
    public static func gateway(of cidr: IPPrefix) -> IPAddress { cidr.address(at: 1)! }

    /// The `.conflist` JSON.
    public func render() -> String {
        let ranges = podCIDRs.map { [Range(subnet: $0.description, gateway: Self.gateway(of: $0).description)] }
        let routes = podCIDRs.map { Route(dst: $0.family == .ipv4 ? "0.0.0.0/0" : "::/0") }
        let list = ConfList(
            cniVersion: "1.0.0", name: networkName,
            plugins: [
                Plugin(
                    type: "bridge", bridge: bridgeName, isGateway: true, ipMasq: ipMasq, hairpinMode: true, mtu: mtu,
                    ipam: IPAM(type: "host-local", ranges: ranges, routes: routes)),
                Plugin(type: "portmap", capabilities: ["portMappings": true]),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding these plain values cannot fail.
        return String(decoding: try! encoder.encode(list), as: UTF8.self) + "\n"
    }

    /// Writes the configuration into `directory` (created if missing) as `fileName`, atomically
    /// (containerd watches the directory); returns the file's path.
    @discardableResult
    public func write(toDirectory directory: String, fileName: String = CNIConfiguration.defaultFileName) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory.hasSuffix("/") ? directory + fileName : "\(directory)/\(fileName)"
        try Data(render().utf8).write(to: URL(filePath: path), options: .atomic)
        return path
    }

    private struct ConfList: Encodable {
        var cniVersion: String
        var name: String
        var plugins: [Plugin]
    }

    private struct Plugin: Encodable {
        var type: String
        var bridge: String?
        var isGateway: Bool?
        var ipMasq: Bool?
        var hairpinMode: Bool?
        var mtu: Int?
        var ipam: IPAM?
        var capabilities: [String: Bool]?
    }

    private struct IPAM: Encodable {
        var type: String
        var ranges: [[Range]]
        var routes: [Route]
    }

    private struct Range: Encodable {
        var subnet: String
        var gateway: String
    }

    private struct Route: Encodable {
        var dst: String
    }
}
