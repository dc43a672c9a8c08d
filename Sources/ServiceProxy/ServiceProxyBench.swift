import KubeAPI
import Logging
import NFTables

/// Measures the proxy's syncs: N Services of one TCP port, each with M ready endpoints, applied
/// whole from nothing, then one endpoint of one Service replaced (an incremental sync). What
/// `k3s-bench net` reports as `service_sync_ms`.
public enum ServiceProxyBench {
    /// The timings of one run.
    public struct Result: Sendable, Hashable {
        /// The Services.
        public var services: Int
        /// The endpoints of each.
        public var endpointsPerService: Int
        /// The full sync (render and apply everything into an empty table).
        public var fullSync: Duration
        /// The size of the full sync's script.
        public var fullScriptBytes: Int
        /// The sync after one endpoint of one Service changed.
        public var oneEndpointChange: Duration
        /// The size of that sync's script.
        public var changeScriptBytes: Int
    }

    /// The model of Service `index` (cluster IP `10.96.0.0/12` + index, port 80 → 8080).
    public static func service(_ index: Int) -> ProxyService {
        ProxyService(
            id: .init(namespace: "bench", name: "svc-\(index)"),
            clusterIPs: [IPAddress(ipv4: 0x0A60_0000 + UInt32(index) + 1)],
            ports: [.init(name: "http", protocol: .tcp, port: 80, targetPort: 8080)])
    }

    /// The endpoints of Service `index` (addresses from `10.128.0.0/9`), spread over three nodes.
    public static func endpoints(_ index: Int, count: Int) -> [ProxyEndpoint] {
        (0..<count).map { offset in
            ProxyEndpoint(
                ip: IPAddress(ipv4: 0x0A80_0000 + UInt32(index * count + offset)),
                ports: ["http": 8080], nodeName: "node-\(offset % 3)")
        }
    }

    /// Runs the measurement with `runner` (a real one inside a network namespace for the bench).
    public static func run(
        services: Int, endpointsPerService: Int, runner: any NFTablesRunner, logger: Logger = Logger(label: "service-proxy-bench")
    ) async throws -> Result {
        let proxier = ServiceProxier(configuration: .init(nodeName: "node-0"), runner: runner, logger: logger)
        for index in 0..<services {
            let service = service(index)
            await proxier.setService(service.id, service)
            await proxier.setEndpoints(service.id, endpoints(index, count: endpointsPerService))
        }
        let clock = ContinuousClock()
        var started = clock.now
        let full = try await proxier.sync()
        let fullSync = clock.now - started
        var changed = endpoints(services / 2, count: endpointsPerService)
        changed[0].ip = IPAddress(ipv4: 0x0A7F_0001)
        await proxier.setEndpoints(service(services / 2).id, changed)
        started = clock.now
        let change = try await proxier.sync()
        let oneEndpointChange = clock.now - started
        return Result(
            services: services, endpointsPerService: endpointsPerService, fullSync: fullSync, fullScriptBytes: full.scriptBytes,
            oneEndpointChange: oneEndpointChange, changeScriptBytes: change.scriptBytes)
    }
}
