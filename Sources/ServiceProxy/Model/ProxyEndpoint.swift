import KubeAPI

/// One endpoint of a Service as the proxy sees it: an address, its port for each Service port
/// name, and its conditions.
public struct ProxyEndpoint: Sendable, Hashable {
    /// The endpoint's address.
    public var ip: IPAddress
    /// The endpoint's port for each Service port name (`""` for an unnamed port).
    public var ports: [String: Int]
    /// Whether it takes new traffic (`conditions.ready`; absent means ready).
    public var ready: Bool
    /// Whether it answers (`conditions.serving`; absent means ready).
    public var serving: Bool
    /// Whether it is shutting down (`conditions.terminating`; absent means not).
    public var terminating: Bool
    /// The node it runs on, when known.
    public var nodeName: String?

    /// Creates an endpoint.
    public init(ip: IPAddress, ports: [String: Int], ready: Bool = true, serving: Bool? = nil, terminating: Bool = false, nodeName: String? = nil) {
        self.ip = ip
        self.ports = ports
        self.ready = ready
        self.serving = serving ?? ready
        self.terminating = terminating
        self.nodeName = nodeName
    }
}
