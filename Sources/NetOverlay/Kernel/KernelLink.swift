import KubeAPI

/// A network interface as `ip -details -json address show` prints it: what the overlays check
/// of a device they own (kind, VXLAN settings, MAC, MTU, state, addresses) or of the underlay.
public struct KernelLink: Sendable, Hashable {
    /// The interface name.
    public var name: String
    /// Its MTU.
    public var mtu: Int?
    /// Its MAC, for Ethernet-like links.
    public var macAddress: MACAddress?
    /// Whether it is administratively up.
    public var isUp: Bool
    /// The link kind (`vxlan`, `veth`, `bridge`), when `-details` was given.
    public var kind: String?
    /// The VXLAN settings, for a VXLAN link.
    public var vxlan: VXLANSettings?
    /// Its addresses, with their prefix lengths.
    public var addresses: [Address]

    /// A VXLAN link's settings.
    public struct VXLANSettings: Sendable, Hashable {
        /// The network identifier.
        public var vni: Int?
        /// The local (source) address.
        public var local: IPAddress?
        /// The underlay device it is bound to.
        public var underlay: String?
        /// The UDP destination port.
        public var port: Int?
        /// Whether the device learns remote MACs from traffic.
        public var learning: Bool?
    }

    /// An address on the link.
    public struct Address: Sendable, Hashable {
        /// The address with its prefix length.
        public var prefix: IPPrefix
        /// Its scope (`global`, `link`, `host`).
        public var scope: String?
    }

    /// Creates a link description.
    public init(
        name: String, mtu: Int? = nil, macAddress: MACAddress? = nil, isUp: Bool = false, kind: String? = nil,
        vxlan: VXLANSettings? = nil, addresses: [Address] = []
    ) {
        self.name = name
        self.mtu = mtu
        self.macAddress = macAddress
        self.isUp = isUp
        self.kind = kind
        self.vxlan = vxlan
        self.addresses = addresses
    }

    /// Parses the JSON array `ip -json [-details] address show` prints; entries it cannot read
    /// are skipped.
    public static func parse(_ json: String) throws -> [KernelLink] {
        guard let items = try KernelJSON.array(json) else { return [] }
        return items.compactMap { item -> KernelLink? in
            guard let name = item["ifname"]?.stringValue else { return nil }
            let flags = item["flags"]?.arrayValue?.compactMap(\.stringValue) ?? []
            var link = KernelLink(
                name: name, mtu: item["mtu"]?.int, macAddress: item["address"]?.stringValue.flatMap { MACAddress($0) },
                isUp: flags.contains("UP"), kind: item["linkinfo"]?["info_kind"]?.stringValue)
            if link.kind == "vxlan", let data = item["linkinfo"]?["info_data"] {
                link.vxlan = VXLANSettings(
                    vni: data["id"]?.int,
                    local: (data["local"]?.stringValue ?? data["local6"]?.stringValue).flatMap { IPAddress($0) },
                    underlay: data["link"]?.stringValue, port: data["port"]?.int, learning: data["learning"]?.boolValue)
            }
            link.addresses = (item["addr_info"]?.arrayValue ?? []).compactMap { info -> Address? in
                guard let local = info["local"]?.stringValue.flatMap({ IPAddress($0) }), let length = info["prefixlen"]?.int,
                    let prefix = try? IPPrefix(address: local, length: length)
                else { return nil }
                return Address(prefix: prefix, scope: info["scope"]?.stringValue)
            }
            return link
        }
    }
}
