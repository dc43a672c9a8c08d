import KubeAPI
import KubeClient

/// ServiceLB's decision for every LoadBalancer Service it serves, computed from the Services and
/// nodes alone (no I/O), so it is the same however often it is recomputed.
///
/// Services are served in claim order (creation time, then namespace/name). A Service may use a
/// node (see ``ServiceLBNodeFilter``) when none of its (port, protocol) pairs is already claimed on
/// that node by a Service earlier in the order; on every node it uses, it claims all its pairs. The
/// addresses published for it are those of the nodes it uses (with `externalTrafficPolicy: Local`,
/// only the ones running a ready endpoint of it): their ExternalIPs when any of them has one,
/// otherwise their InternalIPs, kept to the Service's IP families in `spec.ipFamilies` order and
/// sorted within each family.
struct ServiceLBPlan: Sendable {
    /// A port a Service listens on at its nodes' addresses.
    struct PortClaim: Hashable, Comparable, Sendable, CustomStringConvertible {
        /// The port number.
        var port: Int
        /// `TCP`, `UDP` or `SCTP`.
        var proto: String

        var description: String { "\(port)/\(proto)" }

        static func < (lhs: PortClaim, rhs: PortClaim) -> Bool {
            (lhs.port, lhs.proto) < (rhs.port, rhs.proto)
        }
    }

    /// Why a Service got no address.
    enum Pending: Hashable, Sendable {
        /// No node passes the node filter for it.
        case noEligibleNode
        /// Every eligible node has one of its ports claimed: the ports, each with the Services
        /// (`namespace/name`) holding it.
        case portsInUse([PortClaim: Set<String>])
        /// `externalTrafficPolicy: Local` and none of the nodes it uses runs a ready endpoint.
        case noLocalEndpoint
        /// The nodes it uses have no address of its IP families.
        case noAddress(families: [String])

        /// The message of the Warning event about it.
        var message: String {
            switch self {
            case .noEligibleNode:
                return "no node can serve this LoadBalancer: none is Ready, free of untolerated taints, "
                    + "without the \(ServiceLBLabels.excludeFromExternalLoadBalancers) label and, when nodes are "
                    + "selected with \(ServiceLBLabels.enableLB), labelled for it (and for its \(ServiceLBLabels.lbPool))"
            case .portsInUse(let clashes):
                let ports = clashes.keys.sorted()
                let holders = Set(clashes.values.flatMap { $0 }).sorted()
                let portList = ports.map(\.description).joined(separator: ", ")
                let holderList = holders.joined(separator: ", ")
                let portWord = ports.count == 1 ? "port \(portList) is" : "ports \(portList) are"
                let holderWord = holders.count == 1 ? "Service" : "Services"
                return "\(portWord) already in use on every eligible node by LoadBalancer \(holderWord) \(holderList); "
                    + "the Service stays pending until a node is free"
            case .noLocalEndpoint:
                return "externalTrafficPolicy is Local and no node serving this LoadBalancer runs a ready endpoint of it"
            case .noAddress(let families):
                return "no node serving this LoadBalancer has an address of its IP families (\(families.joined(separator: ", ")))"
            }
        }
    }

    /// The decision for one Service.
    struct Outcome: Hashable, Sendable {
        /// The addresses for `status.loadBalancer.ingress`, in order.
        var addresses: [String]
        /// The nodes whose addresses are published, sorted.
        var nodes: [String]
        /// Why `addresses` is empty, when it is.
        var pending: Pending?
    }

    /// The outcome of every Service ServiceLB serves, by `namespace/name`.
    let outcomes: [String: Outcome]

    /// Decides for every Service of `services` that ServiceLB serves. `readyEndpointNodes` gives
    /// the nodes running a ready endpoint of a Service (asked only for `externalTrafficPolicy: Local`).
    init(services: [CoreV1.Service], nodes: [CoreV1.Node], readyEndpointNodes: (CoreV1.Service) -> Set<String>) {
        let filter = ServiceLBNodeFilter(nodes: nodes)
        var claims: [String: [PortClaim: String]] = [:]
        var outcomes: [String: Outcome] = [:]
        for service in services.filter(Self.serves).sorted(by: Self.claimOrder) {
            let key = objectKey(service.metadata)
            let ports = Self.ports(of: service)
            let candidates = filter.nodes(for: service)
            var serving: [CoreV1.Node] = []
            var clashes: [PortClaim: Set<String>] = [:]
            for node in candidates {
                let name = node.metadata.name ?? ""
                let taken = ports.compactMap { port in claims[name]?[port].map { (port, $0) } }
                if taken.isEmpty {
                    serving.append(node)
                } else {
                    for (port, holder) in taken { clashes[port, default: []].insert(holder) }
                }
            }
            for node in serving {
                for port in ports { claims[node.metadata.name ?? "", default: [:]][port] = key }
            }
            var published = serving
            if service.spec?.externalTrafficPolicy == "Local" {
                let ready = readyEndpointNodes(service)
                published = serving.filter { ready.contains($0.metadata.name ?? "") }
            }
            let families = Self.families(of: service)
            let addresses = Self.addresses(of: published, families: families)
            let pending: Pending?
            if !addresses.isEmpty {
                pending = nil
            } else if candidates.isEmpty {
                pending = .noEligibleNode
            } else if serving.isEmpty {
                pending = .portsInUse(clashes)
            } else if published.isEmpty {
                pending = .noLocalEndpoint
            } else {
                pending = .noAddress(families: families)
            }
            outcomes[key] = Outcome(addresses: addresses, nodes: published.compactMap(\.metadata.name), pending: pending)
        }
        self.outcomes = outcomes
    }

    /// Whether ServiceLB serves `service`: a LoadBalancer with no `loadBalancerClass` (a class
    /// hands it to another implementation) that is not being deleted.
    static func serves(_ service: CoreV1.Service) -> Bool {
        service.spec?.type == "LoadBalancer" && (service.spec?.loadBalancerClass ?? "").isEmpty
            && service.metadata.deletionTimestamp == nil
    }

    /// Earlier Services claim ports first: by creation time, then namespace/name.
    static func claimOrder(_ lhs: CoreV1.Service, _ rhs: CoreV1.Service) -> Bool {
        let left = lhs.metadata.creationTimestamp?.secondsSinceEpoch ?? 0
        let right = rhs.metadata.creationTimestamp?.secondsSinceEpoch ?? 0
        if left != right { return left < right }
        return objectKey(lhs.metadata) < objectKey(rhs.metadata)
    }

    /// The distinct (port, protocol) pairs of `service` (protocol `TCP` when unset); the same
    /// number in two protocols is two pairs.
    static func ports(of service: CoreV1.Service) -> Set<PortClaim> {
        Set((service.spec?.ports ?? []).compactMap { port in
            guard let number = port.port, number > 0 else { return nil }
            return PortClaim(port: number, proto: (port.protocol ?? "").isEmpty ? "TCP" : port.protocol!)
        })
    }

    /// The Service's IP families in order (`IPv4` when it names none).
    static func families(of service: CoreV1.Service) -> [String] {
        var families: [String] = []
        for family in service.spec?.ipFamilies ?? [] where (family == "IPv4" || family == "IPv6") && !families.contains(family) {
            families.append(family)
        }
        return families.isEmpty ? ["IPv4"] : families
    }

    /// The ExternalIPs of `nodes` when any has one, otherwise their InternalIPs, of `families`
    /// in that order, sorted within each family, without duplicates.
    static func addresses(of nodes: [CoreV1.Node], families: [String]) -> [String] {
        func parsed(_ type: String) -> [IPAddress] {
            nodes.flatMap { ($0.status?.addresses ?? []).filter { $0.type == type }.compactMap { $0.address.flatMap { IPAddress($0) } } }
        }
        let external = parsed("ExternalIP")
        let chosen = Set(external.isEmpty ? parsed("InternalIP") : external)
        return families.flatMap { family in
            let wanted: IPAddress.Family = family == "IPv6" ? .ipv6 : .ipv4
            return chosen.filter { $0.family == wanted }.sorted().map(\.description)
        }
    }
}
