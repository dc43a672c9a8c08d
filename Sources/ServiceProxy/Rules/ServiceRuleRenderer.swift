import KubeAPI
import NFTables

/// Renders the proxy's nftables rules for one family: the fixed part of the table
/// (``baseObjects``) and, per Service, its chains, affinity sets and map elements
/// (``objects(for:endpoints:)``). Pure: the same input always gives the same objects.
///
/// Packets are matched in the nat hooks (prerouting and output) by destination address,
/// protocol and port in the `service-ips` map, or by protocol and port in `service-nodeports`
/// when the destination is a local address; both jump to the Service port's chain, which picks
/// an endpoint at random (or the one a client is stuck to) and DNATs to it. Masquerading is
/// asked for with a mark and done in the postrouting hook. A Service port with no usable
/// endpoint has its addresses in the `no-endpoint-*` maps, which the filter hooks use to reject
/// new connections (or drop them when only local endpoints count and there are none here).
public struct ServiceRuleRenderer: Sendable {
    /// The configuration.
    public let configuration: ServiceProxyConfiguration
    /// The family rendered.
    public let family: IPAddress.Family

    /// Map and chain names of the fixed part.
    public enum Name {
        /// `address . protocol . port : verdict` for cluster, external and load-balancer IPs.
        public static let serviceIPs = "service-ips"
        /// `protocol . port : verdict` for node ports on local addresses.
        public static let serviceNodePorts = "service-nodeports"
        /// Service addresses without a usable endpoint: `goto reject-chain` or `drop`.
        public static let noEndpointServices = "no-endpoint-services"
        /// Node ports without a usable endpoint.
        public static let noEndpointNodePorts = "no-endpoint-nodeports"
        /// Sets the masquerade mark.
        public static let markForMasquerade = "mark-for-masquerade"
        /// Rejects: a TCP reset for TCP, ICMP port unreachable otherwise.
        public static let reject = "reject-chain"
        /// `endpoint . endpoint` for every endpoint: a connection DNATed back to its own source
        /// (a pod reaching itself through a Service) is masqueraded.
        public static let hairpin = "endpoint-hairpin"
    }

    /// Creates a renderer.
    public init(configuration: ServiceProxyConfiguration, family: IPAddress.Family) {
        self.configuration = configuration
        self.family = family
    }

    private var ip: String { family == .ipv4 ? "ip" : "ip6" }
    private var addressType: String { family == .ipv4 ? "ipv4_addr" : "ipv6_addr" }
    private var loopback: String { family == .ipv4 ? "127.0.0.0/8" : "::1" }
    private var mark: String { "0x" + String(configuration.masqueradeMark, radix: 16) }
    private var clusterCIDRs: [IPPrefix] { configuration.clusterCIDRs.filter { $0.address.family == family } }

    /// The hook chains, the maps and the rules that never change.
    public var baseObjects: NFTablesObjects {
        var objects = NFTablesObjects()
        func chain(_ name: String, _ declaration: String? = nil, _ rules: [String]) {
            objects.chains[name] = .init(declaration: declaration, rules: rules)
        }
        let tuple = "\(addressType) . inet_proto . inet_service : verdict;"
        objects.sets[Name.serviceIPs] = "type \(tuple)"
        objects.sets[Name.serviceNodePorts] = "type inet_proto . inet_service : verdict;"
        objects.sets[Name.noEndpointServices] = "type \(tuple)"
        objects.sets[Name.noEndpointNodePorts] = "type inet_proto . inet_service : verdict;"
        objects.sets[Name.hairpin] = "type \(addressType) . \(addressType);"
        let local = "fib daddr type local \(ip) daddr != \(loopback)"
        chain("nat-prerouting", "type nat hook prerouting priority dstnat; policy accept;", ["jump services"])
        chain("nat-output", "type nat hook output priority -100; policy accept;", ["jump services"])
        chain("nat-postrouting", "type nat hook postrouting priority srcnat; policy accept;", [
            "ct status dnat \(ip) saddr . \(ip) daddr @\(Name.hairpin) jump \(Name.markForMasquerade)",
            "jump masquerading",
        ])
        chain("services", nil, [
            "\(ip) daddr . meta l4proto . th dport vmap @\(Name.serviceIPs)",
            "\(local) meta l4proto . th dport vmap @\(Name.serviceNodePorts)",
        ])
        chain(Name.markForMasquerade, nil, ["meta mark set meta mark | \(mark)"])
        chain("masquerading", nil, [
            "meta mark & \(mark) == 0 return",
            "meta mark set meta mark ^ \(mark)",
            "masquerade fully-random",
        ])
        for hook in ["input", "forward", "output"] {
            chain("filter-\(hook)", "type filter hook \(hook) priority -110; policy accept;", ["ct state new jump endpoints-check"])
        }
        chain("endpoints-check", nil, [
            "\(ip) daddr . meta l4proto . th dport vmap @\(Name.noEndpointServices)",
            "\(local) meta l4proto . th dport vmap @\(Name.noEndpointNodePorts)",
        ])
        chain(Name.reject, nil, ["meta l4proto tcp reject with tcp reset", "reject"])
        return objects
    }

    /// The chains, sets and elements of one Service in this family (nothing when it has no
    /// cluster IP of the family). `endpoints` may hold both families; the others are ignored.
    public func objects(for service: ProxyService, endpoints: [ProxyEndpoint]) -> NFTablesObjects {
        var objects = NFTablesObjects()
        let clusterIPs = service.clusterIPs.filter { $0.family == family }
        guard !clusterIPs.isEmpty else { return objects }
        let externalAddresses = (service.externalIPs + service.loadBalancerIPs).filter { $0.family == family }
        let familyEndpoints = endpoints.filter { $0.ip.family == family }
        for port in service.ports {
            render(port, of: service, clusterIPs: clusterIPs, externalAddresses: externalAddresses,
                   endpoints: familyEndpoints.filter { $0.ports[port.name] != nil }, into: &objects)
        }
        return objects
    }

    private func render(
        _ port: ProxyService.Port, of service: ProxyService, clusterIPs: [IPAddress], externalAddresses: [IPAddress],
        endpoints: [ProxyEndpoint], into objects: inout NFTablesObjects
    ) {
        let proto = port.protocol.rawValue
        let base = "\(service.id.namespace)/\(service.id.name)/\(proto)/\(port.name.isEmpty ? String(port.port) : port.name)"
        let selection = EndpointSelection(endpoints, nodeName: configuration.nodeName)
        let internalEndpoints = selection.endpoints(for: service.internalTrafficPolicy)
        let externalEndpoints = selection.endpoints(for: service.externalTrafficPolicy)
        let hasExternal = port.nodePort != nil || !externalAddresses.isEmpty
        // The chains choosing an endpoint.
        let clusterChain = "cluster-\(base)", localChain = "local-\(base)"
        let needsCluster = !selection.cluster.isEmpty
            && (service.internalTrafficPolicy == .cluster || (hasExternal && !externalEndpoints.isEmpty))
        let needsLocal = !selection.local.isEmpty
            && (service.internalTrafficPolicy == .local || (hasExternal && service.externalTrafficPolicy == .local))
        if needsCluster { chooser(clusterChain, selection.cluster, port: port, service: service, base: base, into: &objects) }
        if needsLocal { chooser(localChain, selection.local, port: port, service: service, base: base, into: &objects) }
        let noEndpoint = selection.hasEndpoints ? "drop" : "goto \(Name.reject)"
        // Traffic to the cluster IPs.
        let svcChain = "svc-\(base)"
        if !internalEndpoints.isEmpty {
            var rules: [String] = []
            if let cidrs = cidrSet { rules.append("\(ip) saddr != \(cidrs) jump \(Name.markForMasquerade)") }
            rules.append("goto \(service.internalTrafficPolicy == .local ? localChain : clusterChain)")
            objects.chains[svcChain] = .init(rules: rules)
        }
        let clusterKeys = clusterIPs.map { "\($0) . \(proto) . \(port.port)" }
        entries(clusterKeys, Name.serviceIPs, otherwise: Name.noEndpointServices, to: internalEndpoints.isEmpty ? nil : svcChain,
                noEndpoint: noEndpoint, into: &objects)
        // Traffic from outside: node ports, external and load-balancer IPs.
        guard hasExternal else { return }
        let extChain = "ext-\(base)"
        if !externalEndpoints.isEmpty {
            var rules: [String] = []
            if service.externalTrafficPolicy == .cluster {
                rules = ["jump \(Name.markForMasquerade)", "goto \(clusterChain)"]
            } else {
                // Pods and the node itself may use any endpoint; the node's own traffic is
                // masqueraded so that replies come back through it.
                if let cidrs = cidrSet { rules.append("\(ip) saddr \(cidrs) goto \(clusterChain)") }
                rules.append("fib saddr type local jump \(Name.markForMasquerade)")
                rules.append("fib saddr type local goto \(clusterChain)")
                rules.append("goto \(localChain)")
            }
            objects.chains[extChain] = .init(rules: rules)
        }
        let target = externalEndpoints.isEmpty ? nil : extChain
        let externalKeys = externalAddresses.map { "\($0) . \(proto) . \(port.port)" }
        entries(externalKeys, Name.serviceIPs, otherwise: Name.noEndpointServices, to: target, noEndpoint: noEndpoint, into: &objects)
        if let nodePort = port.nodePort {
            entries(["\(proto) . \(nodePort)"], Name.serviceNodePorts, otherwise: Name.noEndpointNodePorts, to: target,
                    noEndpoint: noEndpoint, into: &objects)
        }
    }

    /// Map elements for `keys`: `goto CHAIN` in `map`, or the `noEndpoint` verdict in `otherwise`
    /// when there is no chain to go to.
    private func entries(
        _ keys: [String], _ map: String, otherwise: String, to chain: String?, noEndpoint: String, into objects: inout NFTablesObjects
    ) {
        for key in keys {
            if let chain {
                objects.elements[.init(set: map, key: key)] = "goto \(chain)"
            } else {
                objects.elements[.init(set: otherwise, key: key)] = noEndpoint
            }
        }
    }

    /// `{ 10.42.0.0/16 }`, or `nil` without cluster CIDRs of this family.
    private var cidrSet: String? {
        clusterCIDRs.isEmpty ? nil : "{ " + clusterCIDRs.map { "\($0)" }.joined(separator: ", ") + " }"
    }

    /// A chain that sends a connection to one of `endpoints`: without affinity, DNAT to an
    /// endpoint picked at random (one rule per endpoint); with affinity, to the endpoint a client is stuck to, else to a
    /// random one, through one chain per endpoint that remembers the client.
    private func chooser(
        _ name: String, _ endpoints: [ProxyEndpoint], port: ProxyService.Port, service: ProxyService, base: String,
        into objects: inout NFTablesObjects
    ) {
        let targets = endpoints.compactMap { endpoint in endpoint.ports[port.name].map { (endpoint.ip, $0) } }
        let proto = port.protocol.rawValue
        for (address, _) in targets { objects.elements[.init(set: Name.hairpin, key: "\(address) . \(address)")] = "" }
        guard let timeout = service.sessionAffinityTimeout else {
            // Endpoint i of n is taken with chance 1/(n-i) when none before it was: 1/n each.
            // Plain rules: nft 1.0.6 adds rules holding a map lookup many times slower.
            objects.chains[name] = .init(rules: targets.enumerated().map { index, endpoint in
                let remaining = targets.count - index
                let pick = remaining > 1 ? "numgen random mod \(remaining) == 0 " : ""
                return "\(pick)meta l4proto \(proto) dnat to \(destination(endpoint.0, endpoint.1))"
            })
            return
        }
        var rules: [String] = []
        var chains: [String] = []
        for (address, target) in targets {
            let suffix = "\(base)__\(String(describing: address).replacingColons)/\(target)"
            let chain = "ep-\(suffix)", set = "affinity\(timeout)-\(suffix)"
            objects.sets[set] = "type \(addressType); flags dynamic,timeout; timeout \(timeout)s;"
            rules.append("\(ip) saddr @\(set) goto \(chain)")
            objects.chains[chain] = .init(rules: [
                "update @\(set) { \(ip) saddr }", "meta l4proto \(proto) dnat to \(destination(address, target))",
            ])
            chains.append("goto \(chain)")
        }
        let choices = chains.enumerated().map { "\($0.offset) : \($0.element)" }.joined(separator: ", ")
        rules.append("numgen random mod \(chains.count) vmap { \(choices) }")
        objects.chains[name] = .init(rules: rules)
    }

    /// `10.42.0.5:8080`, `[fd00::5]:8080`.
    private func destination(_ address: IPAddress, _ port: Int) -> String {
        family == .ipv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }
}

extension String {
    /// The text with `:` written `.`, so an IPv6 address fits in an nft identifier.
    fileprivate var replacingColons: String { String(map { $0 == ":" ? "." : $0 }) }
}
