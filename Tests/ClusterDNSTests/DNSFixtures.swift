import KubeAPI

@testable import ClusterDNS

/// Services, slices and namespaces every resolver and server test answers from.
enum DNSFixtures {
    static func service(
        _ name: String, namespace: String = "default", clusterIPs: [String]? = nil, headless: Bool = false, externalName: String? = nil,
        ports: [(String, Int, String)] = [("http", 80, "TCP")]
    ) -> CoreV1.Service {
        var spec = CoreV1.ServiceSpec()
        if let externalName {
            spec.type = "ExternalName"
            spec.externalName = externalName
        } else if headless {
            spec.clusterIP = "None"
            spec.clusterIPs = ["None"]
        } else {
            spec.clusterIP = clusterIPs?.first
            spec.clusterIPs = clusterIPs
        }
        spec.ports = ports.map { CoreV1.ServicePort(name: $0.0.isEmpty ? nil : $0.0, port: $0.1, protocol: $0.2) }
        return CoreV1.Service(metadata: MetaV1.ObjectMeta(name: name, namespace: namespace), spec: spec)
    }

    static func slice(
        _ name: String, service: String, namespace: String = "default", ports: [(String, Int, String)] = [("pg", 5432, "TCP")],
        endpoints: [(address: String, hostname: String?, ready: Bool?)]
    ) -> DiscoveryV1.EndpointSlice {
        DiscoveryV1.EndpointSlice(
            addressType: "IPv4",
            endpoints: endpoints.map {
                DiscoveryV1.Endpoint(addresses: [$0.address], conditions: DiscoveryV1.EndpointConditions(ready: $0.ready), hostname: $0.hostname)
            },
            metadata: MetaV1.ObjectMeta(labels: [DNSServiceRecord.serviceNameLabel: service], name: name, namespace: namespace),
            ports: ports.map { DiscoveryV1.EndpointPort(name: $0.0, port: $0.1, protocol: $0.2) })
    }

    /// A source holding the fixture cluster.
    static func source() -> InMemoryDNSRecordSource {
        let source = InMemoryDNSRecordSource(namespaces: ["default", "kube-system", "apps"])
        source.apply(service("web", clusterIPs: ["10.43.0.20"], ports: [("http", 80, "TCP"), ("metrics", 9090, "TCP"), ("dns", 53, "UDP")]))
        source.apply(service("dual", clusterIPs: ["10.43.0.30", "fd00:43::30"]))
        source.apply(service("db", headless: true, ports: [("pg", 5432, "TCP")]))
        source.apply(slice("db-abc", service: "db", endpoints: [
            ("10.42.0.5", "db-0", true), ("10.42.1.6", nil, nil), ("10.42.2.7", "db-2", false),
        ]))
        source.apply(service("nginx", namespace: "apps", headless: true, ports: []))
        source.apply(slice("nginx-1", service: "nginx", namespace: "apps", ports: [], endpoints: [("10.42.3.8", "web-0", true)]))
        source.apply(service("lonely", headless: true))
        source.apply(service("ext", externalName: "example.com"))
        source.apply(service("alias", externalName: "web.default.svc.cluster.local"))
        source.apply(service("kube-dns", namespace: "kube-system", clusterIPs: ["10.43.0.10"], ports: [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")]))
        source.apply(service("web", clusterIPs: ["10.43.0.20"], ports: [("http", 80, "TCP"), ("metrics", 9090, "TCP"), ("dns", 53, "UDP")]))
        return source
    }
}

extension DNSResourceRecord {
    /// `TYPE data` for comparisons in tests.
    var summary: String {
        switch data {
        case .a(let address), .aaaa(let address): return "\(type) \(address)"
        case .cname(let name), .ns(let name), .ptr(let name): return "\(type) \(name)"
        case .srv(let priority, let weight, let port, let target): return "SRV \(priority) \(weight) \(port) \(target)"
        case .txt(let strings): return "TXT " + strings.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " ")
        case .soa(let soa): return "SOA \(soa.primary) \(soa.mailbox) \(soa.minimum)"
        case .unknown(let type, _): return "\(type)"
        }
    }
}
