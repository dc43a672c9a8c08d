import KubeAPI

/// A neighbour (ARP/NDP) entry as `ip -json neigh show` prints it.
public struct KernelNeighbour: Sendable, Hashable {
    /// The neighbour's IP address.
    public var address: IPAddress
    /// Its link-layer address, when known.
    public var macAddress: MACAddress?
    /// Whether the entry is permanent (set by hand, never expires).
    public var isPermanent: Bool

    /// Creates an entry.
    public init(address: IPAddress, macAddress: MACAddress?, isPermanent: Bool) {
        self.address = address
        self.macAddress = macAddress
        self.isPermanent = isPermanent
    }

    /// Parses `ip -json neigh show ...` output; entries it cannot read are skipped.
    public static func parse(_ json: String) throws -> [KernelNeighbour] {
        guard let items = try KernelJSON.array(json) else { return [] }
        return items.compactMap { item -> KernelNeighbour? in
            guard let address = item["dst"]?.stringValue.flatMap({ IPAddress($0) }) else { return nil }
            let states = item["state"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return KernelNeighbour(
                address: address, macAddress: item["lladdr"]?.stringValue.flatMap { MACAddress($0) },
                isPermanent: states.contains("PERMANENT"))
        }
    }
}
