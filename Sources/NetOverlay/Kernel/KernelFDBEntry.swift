import KubeAPI

/// A forwarding-database entry of a VXLAN device as `bridge -json fdb show dev DEV` prints it:
/// a remote MAC and the tunnel endpoint it sits behind.
public struct KernelFDBEntry: Sendable, Hashable {
    /// The remote MAC.
    public var macAddress: MACAddress
    /// The remote tunnel endpoint.
    public var destination: IPAddress

    /// Creates an entry.
    public init(macAddress: MACAddress, destination: IPAddress) {
        self.macAddress = macAddress
        self.destination = destination
    }

    /// Parses `bridge -json fdb show` output; entries without a remote endpoint (the device's
    /// own and multicast entries) are skipped.
    public static func parse(_ json: String) throws -> [KernelFDBEntry] {
        guard let items = try KernelJSON.array(json) else { return [] }
        return items.compactMap { item -> KernelFDBEntry? in
            guard let mac = item["mac"]?.stringValue.flatMap({ MACAddress($0) }),
                let destination = item["dst"]?.stringValue.flatMap({ IPAddress($0) })
            else { return nil }
            return KernelFDBEntry(macAddress: mac, destination: destination)
        }
    }
}
