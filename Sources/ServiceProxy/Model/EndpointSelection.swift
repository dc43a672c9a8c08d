/// Which endpoints take new connections, as upstream's proxies choose them: the ready ones; when
/// none is ready, the ones still serving while they terminate; otherwise none. The same rule picks
/// the node-local set among the endpoints on this node.
public struct EndpointSelection: Sendable, Hashable {
    /// The usable endpoints anywhere in the cluster.
    public var cluster: [ProxyEndpoint]
    /// The usable endpoints on this node.
    public var local: [ProxyEndpoint]
    /// Whether the Service has any usable endpoint at all (so an empty ``local`` drops, while an
    /// empty ``cluster`` rejects).
    public var hasEndpoints: Bool { !cluster.isEmpty }

    /// Selects among `endpoints` (all of one Service, port and family) for `nodeName`.
    public init(_ endpoints: [ProxyEndpoint], nodeName: String) {
        cluster = Self.usable(endpoints)
        local = Self.usable(endpoints.filter { $0.nodeName == nodeName })
    }

    /// The ready endpoints, else those serving and terminating.
    static func usable(_ endpoints: [ProxyEndpoint]) -> [ProxyEndpoint] {
        let ready = endpoints.filter(\.ready)
        return ready.isEmpty ? endpoints.filter { $0.serving && $0.terminating } : ready
    }

    /// The endpoints for `policy`.
    public func endpoints(for policy: ProxyService.TrafficPolicy) -> [ProxyEndpoint] {
        policy == .local ? local : cluster
    }
}
