import KubeAPI

/// A route as `ip -json route show` prints it (main table, unicast): what the overlays compare
/// their desired routes with.
public struct KernelRoute: Sendable, Hashable {
    /// The destination network.
    public var destination: IPPrefix
    /// The next hop, if any.
    public var gateway: IPAddress?
    /// The output device (absent when the query filtered by device).
    public var device: String?
    /// Whether the next hop is taken as on-link (`onlink`).
    public var onLink: Bool
    /// The routing protocol (`kernel`, `boot`, `75`), absent when the query filtered by it.
    public var routingProtocol: String?

    /// Creates a route.
    public init(destination: IPPrefix, gateway: IPAddress? = nil, device: String? = nil, onLink: Bool = false, routingProtocol: String? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.device = device
        self.onLink = onLink
        self.routingProtocol = routingProtocol
    }

    /// Parses `ip -json -4|-6 route show ...` output of `family`; local, broadcast and other
    /// non-unicast routes, and entries it cannot read, are skipped.
    public static func parse(_ json: String, family: IPAddress.Family) throws -> [KernelRoute] {
        guard let items = try KernelJSON.array(json) else { return [] }
        return items.compactMap { item -> KernelRoute? in
            if let type = item["type"]?.stringValue, type != "unicast" { return nil }
            guard let dst = item["dst"]?.stringValue, let destination = KernelJSON.destination(dst, family: family),
                destination.family == family
            else { return nil }
            let flags = item["flags"]?.arrayValue?.compactMap(\.stringValue) ?? []
            return KernelRoute(
                destination: destination, gateway: item["gateway"]?.stringValue.flatMap { IPAddress($0) },
                device: item["dev"]?.stringValue, onLink: flags.contains("onlink"),
                routingProtocol: item["protocol"]?.stringValue)
        }
    }
}
