import KubeAPI

extension ProxyEndpoint {
    /// The endpoints of a Service from its EndpointSlices (those labelled
    /// `kubernetes.io/service-name`), ordered by address, IPv4 first.
    ///
    /// Only `IPv4` and `IPv6` slices count (not `FQDN`); an endpoint is its first address; an
    /// address listed by several slices is one endpoint with the ports of all of them, ready if
    /// any slice says so. Ports without a number or with an unknown protocol are left out.
    public static func endpoints(from slices: [DiscoveryV1.EndpointSlice]) -> [ProxyEndpoint] {
        var byIP: [IPAddress: ProxyEndpoint] = [:]
        for slice in slices {
            guard let type = slice.addressType, type == "IPv4" || type == "IPv6" else { continue }
            var ports: [String: Int] = [:]
            for port in slice.ports ?? [] {
                guard let number = port.port, ProxyService.PortProtocol(apiName: port.protocol) != nil else { continue }
                ports[port.name ?? ""] = number
            }
            for endpoint in slice.endpoints ?? [] {
                guard let text = endpoint.addresses?.first, let ip = IPAddress(text), ip.family.rawValue == type else { continue }
                let conditions = endpoint.conditions
                let ready = conditions?.ready ?? true
                let made = ProxyEndpoint(
                    ip: ip, ports: ports, ready: ready, serving: conditions?.serving ?? ready,
                    terminating: conditions?.terminating ?? false, nodeName: endpoint.nodeName)
                if var known = byIP[ip] {
                    known.ports.merge(made.ports) { old, _ in old }
                    if made.ready && !known.ready { (known.ready, known.serving, known.terminating) = (true, true, made.terminating) }
                    byIP[ip] = known
                } else {
                    byIP[ip] = made
                }
            }
        }
        return byIP.values.sorted { $0.ip < $1.ip }
    }
}
