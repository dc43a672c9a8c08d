import KubeAPI

/// What cluster DNS knows of one Service: its kind, its ports and its ready endpoints (from
/// every EndpointSlice labelled `kubernetes.io/service-name` with its name).
public struct DNSServiceRecord: Sendable, Hashable {
    /// How a Service's name resolves.
    public enum Kind: Sendable, Hashable {
        /// To its cluster IPs (`spec.clusterIPs`, else `spec.clusterIP`).
        case clusterIP([IPAddress])
        /// To its ready endpoints' addresses (`clusterIP: None`).
        case headless
        /// To a CNAME (`type: ExternalName`).
        case externalName(DNSName)
    }

    /// A port: of the Service (ClusterIP) or of an EndpointSlice (headless, endpoint names).
    public struct Port: Sendable, Hashable {
        /// The port's name (`""` when unnamed).
        public var name: String
        /// `TCP`, `UDP` or `SCTP`.
        public var `protocol`: String
        /// The number; `nil` for a slice without ports (then only addresses resolve).
        public var number: Int?

        /// Creates a port.
        public init(name: String, protocol: String, number: Int?) {
            self.name = name
            self.protocol = `protocol`
            self.number = number
        }
    }

    /// A ready endpoint address.
    public struct Endpoint: Sendable, Hashable {
        /// The address.
        public var address: IPAddress
        /// The label it answers to under the Service: the endpoint's `hostname`, else its address
        /// with `-` for `.` or `:` (`10-42-0-5`).
        public var label: String
        /// The ports of its EndpointSlice.
        public var ports: [Port]

        /// Creates an endpoint.
        public init(address: IPAddress, label: String, ports: [Port]) {
            self.address = address
            self.label = label
            self.ports = ports
        }
    }

    /// The Service's name.
    public var name: String
    /// Its namespace.
    public var namespace: String
    /// How its name resolves.
    public var kind: Kind
    /// The Service's ports (`spec.ports`).
    public var ports: [Port]
    /// The ready endpoints, in the order of their slices (by slice name) and addresses.
    public var endpoints: [Endpoint]

    /// Creates a record.
    public init(name: String, namespace: String, kind: Kind, ports: [Port], endpoints: [Endpoint]) {
        self.name = name
        self.namespace = namespace
        self.kind = kind
        self.ports = ports
        self.endpoints = endpoints
    }

    /// The record of `service` with its `slices` (those of other Services are ignored); `nil` for
    /// a Service DNS publishes nothing for (an ExternalName that is not a domain name).
    public init?(service: CoreV1.Service, slices: [DiscoveryV1.EndpointSlice]) {
        guard let name = service.metadata.name else { return nil }
        let namespace = service.metadata.namespace ?? "default"
        let spec = service.spec ?? CoreV1.ServiceSpec()
        if spec.type == "ExternalName" {
            // An IP address is not a CNAME target: such a Service has no record (as upstream).
            guard let external = spec.externalName, IPAddress(external) == nil,
                let target = try? DNSName(external), !target.labels.isEmpty
            else { return nil }
            kind = .externalName(target)
        } else if spec.clusterIP == "None" {
            kind = .headless
        } else {
            let texts = spec.clusterIPs ?? spec.clusterIP.map { [$0] } ?? []
            kind = .clusterIP(texts.compactMap { IPAddress($0) })
        }
        self.name = name
        self.namespace = namespace
        ports = (spec.ports ?? []).map { Port(name: $0.name ?? "", protocol: $0.protocol ?? "TCP", number: $0.port) }
        endpoints = []
        for slice in slices.sorted(by: { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") })
        where slice.metadata.labels?[Self.serviceNameLabel] == name && (slice.metadata.namespace ?? "default") == namespace {
            guard slice.addressType != "FQDN" else { continue }
            let ports = (slice.ports ?? []).map { Port(name: $0.name ?? "", protocol: $0.protocol ?? "TCP", number: $0.port) }
            let slicePorts = ports.isEmpty ? [Port(name: "", protocol: "", number: nil)] : ports
            for endpoint in slice.endpoints ?? [] where endpoint.conditions?.ready ?? true {
                for text in endpoint.addresses ?? [] {
                    guard let address = IPAddress(text) else { continue }
                    let label = endpoint.hostname.flatMap { $0.isEmpty ? nil : $0 } ?? Self.dashed(address)
                    endpoints.append(Endpoint(address: address, label: label.lowercased(), ports: slicePorts))
                }
            }
        }
    }

    /// The label EndpointSlices carry with their Service's name.
    public static let serviceNameLabel = "kubernetes.io/service-name"

    /// An address as a DNS label: `10.42.0.5` → `10-42-0-5`, `fd00::5` → `fd00--5`.
    public static func dashed(_ address: IPAddress) -> String {
        String(address.description.map { $0 == "." || $0 == ":" ? "-" : $0 })
    }
}
