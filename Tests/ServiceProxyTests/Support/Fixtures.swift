import KubeAPI
import Logging
import NFTables
import ServiceProxy

/// Services and endpoints the tests share.
enum Fixtures {
    static let logger = Logger(label: "service-proxy-test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// `default/web`: 10.43.0.10 and fd00:43::10, port 80 (`http`) → 8080, node port 30080.
    static func web(
        affinity: Int? = nil, external: ProxyService.TrafficPolicy = .cluster, internalPolicy: ProxyService.TrafficPolicy = .cluster,
        externalIPs: [String] = [], loadBalancerIPs: [String] = [], name: String = "web", clusterIP: String = "10.43.0.10"
    ) -> ProxyService {
        ProxyService(
            id: .init(namespace: "default", name: name), clusterIPs: [ip(clusterIP), ip("fd00:43::10")],
            ports: [.init(name: "http", protocol: .tcp, port: 80, targetPort: 8080, nodePort: 30080)],
            externalIPs: externalIPs.map(ip), loadBalancerIPs: loadBalancerIPs.map(ip), sessionAffinityTimeout: affinity,
            externalTrafficPolicy: external, internalTrafficPolicy: internalPolicy)
    }

    static func endpoint(_ address: String, node: String = "node-a", ready: Bool = true, terminating: Bool = false) -> ProxyEndpoint {
        ProxyEndpoint(ip: ip(address), ports: ["http": 8080], ready: ready, serving: ready || terminating, terminating: terminating, nodeName: node)
    }

    static let configuration = ServiceProxyConfiguration(
        nodeName: "node-a", nodeIPs: [ip("192.168.1.10"), ip("fd00:1::10")],
        clusterCIDRs: [IPPrefix("10.42.0.0/16")!, IPPrefix("fd00:42::/56")!])

    /// The script a fresh proxier writes for `services`.
    static func fullScript(_ services: [(ProxyService, [ProxyEndpoint])], configuration: ServiceProxyConfiguration = configuration) async throws -> String {
        let runner = RecordingNFTablesRunner()
        let proxier = ServiceProxier(configuration: configuration, runner: runner, logger: logger)
        for (service, endpoints) in services {
            await proxier.setService(service.id, service)
            await proxier.setEndpoints(service.id, endpoints)
        }
        try await proxier.sync()
        return runner.scripts.last ?? ""
    }
}
