import KubeAPI

/// What the service proxy needs of a Service, independent of the API types: the addresses it
/// answers on, its ports and the policies that pick endpoints. Built from `CoreV1.Service` by
/// ``init(_:)``.
public struct ProxyService: Sendable, Hashable {
    /// A Service's namespace and name.
    public struct ID: Sendable, Hashable, Comparable, CustomStringConvertible {
        /// The namespace.
        public var namespace: String
        /// The name.
        public var name: String

        /// Creates an identifier.
        public init(namespace: String, name: String) {
            self.namespace = namespace
            self.name = name
        }

        /// `namespace/name`.
        public var description: String { "\(namespace)/\(name)" }

        /// By namespace, then name.
        public static func < (lhs: ID, rhs: ID) -> Bool {
            (lhs.namespace, lhs.name) < (rhs.namespace, rhs.name)
        }
    }

    /// The transport protocol of a port, spelled as nftables spells it.
    public enum PortProtocol: String, Sendable, Hashable, CaseIterable {
        /// `TCP`.
        case tcp
        /// `UDP`.
        case udp
        /// `SCTP`.
        case sctp

        /// The protocol named `text` as the API spells it (`TCP`, `UDP`, `SCTP`); absent means TCP.
        public init?(apiName text: String?) {
            switch text ?? "TCP" {
            case "TCP": self = .tcp
            case "UDP": self = .udp
            case "SCTP": self = .sctp
            default: return nil
            }
        }
    }

    /// One port of a Service.
    public struct Port: Sendable, Hashable {
        /// The port's name (empty for the single unnamed port); endpoints give their port by it.
        public var name: String
        /// The transport protocol.
        public var `protocol`: PortProtocol
        /// The port the cluster IPs, external IPs and load-balancer IPs answer on.
        public var port: Int
        /// The pod port as the Service states it (a number or a container port name); the
        /// endpoints carry the resolved number.
        public var targetPort: IntOrString?
        /// The port on every node address, for NodePort and LoadBalancer Services.
        public var nodePort: Int?

        /// Creates a port.
        public init(name: String = "", protocol: PortProtocol = .tcp, port: Int, targetPort: IntOrString? = nil, nodePort: Int? = nil) {
            self.name = name
            self.protocol = `protocol`
            self.port = port
            self.targetPort = targetPort
            self.nodePort = nodePort
        }
    }

    /// Which endpoints serve a kind of traffic: all of them, or only those on this node.
    public enum TrafficPolicy: String, Sendable, Hashable {
        /// Every usable endpoint in the cluster.
        case cluster = "Cluster"
        /// Only the usable endpoints on this node.
        case local = "Local"
    }

    /// The Service's namespace and name.
    public var id: ID
    /// The cluster IPs, IPv4 first.
    public var clusterIPs: [IPAddress]
    /// The ports.
    public var ports: [Port]
    /// `spec.externalIPs`.
    public var externalIPs: [IPAddress]
    /// The IPs of `status.loadBalancer.ingress`.
    public var loadBalancerIPs: [IPAddress]
    /// `sessionAffinity: ClientIP`'s timeout in seconds, or `nil` without affinity.
    public var sessionAffinityTimeout: Int?
    /// Which endpoints serve traffic from outside (node ports, external and load-balancer IPs).
    public var externalTrafficPolicy: TrafficPolicy
    /// Which endpoints serve traffic to the cluster IPs.
    public var internalTrafficPolicy: TrafficPolicy

    /// The default `sessionAffinityConfig.clientIP.timeoutSeconds`: three hours.
    public static let defaultAffinityTimeout = 10_800

    /// Creates a Service model.
    public init(
        id: ID, clusterIPs: [IPAddress], ports: [Port], externalIPs: [IPAddress] = [], loadBalancerIPs: [IPAddress] = [],
        sessionAffinityTimeout: Int? = nil, externalTrafficPolicy: TrafficPolicy = .cluster, internalTrafficPolicy: TrafficPolicy = .cluster
    ) {
        self.id = id
        self.clusterIPs = clusterIPs.sorted()
        self.ports = ports
        self.externalIPs = externalIPs.sorted()
        self.loadBalancerIPs = loadBalancerIPs.sorted()
        self.sessionAffinityTimeout = sessionAffinityTimeout
        self.externalTrafficPolicy = externalTrafficPolicy
        self.internalTrafficPolicy = internalTrafficPolicy
    }
}
