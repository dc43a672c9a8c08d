import ClusterTesting
import KubeAPI
import KubeClient
import NFTables
import Testing

@testable import ServiceProxy

@Suite("ServiceProxyController against an API server", .timeLimit(.minutes(1)))
struct ServiceProxyControllerTests {
    static func slice(_ name: String, service: String, addresses: [String]) -> DiscoveryV1.EndpointSlice {
        DiscoveryV1.EndpointSlice(
            addressType: "IPv4",
            endpoints: addresses.map { .init(addresses: [$0], conditions: .init(ready: true), nodeName: "node-a") },
            metadata: .init(labels: ["kubernetes.io/service-name": service], name: name, namespace: "default"),
            ports: [.init(name: "http", port: 8080, protocol: "TCP")])
    }

    @Test func servicesAndSlicesBecomeRulesInDebouncedSyncs() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let runner = RecordingNFTablesRunner()
            let controller = ServiceProxyController(
                configuration: .init(nodeName: "node-a"), informers: InformerFactory(client: client, logger: Fixtures.logger),
                runner: runner, debounce: .milliseconds(100), logger: Fixtures.logger)
            let task = Task { await controller.run() }
            defer { task.cancel() }

            _ = try await client.resource(CoreV1.Service.self).create(CoreV1.Service(
                metadata: .init(name: "web", namespace: "default"),
                spec: .init(clusterIP: "10.43.0.50", ports: [.init(name: "http", port: 80, targetPort: 8080)])))
            try await eventually("the Service rejects without endpoints") {
                runner.scripts.contains { $0.contains("10.43.0.50 . tcp . 80 : goto reject-chain") }
            }
            #expect(runner.scripts.first?.contains("delete table ip k3s-swift-proxy") == true)
            #expect(controller.lastSyncDuration != nil)

            // A burst of slice changes lands as few transactions, ending in the final state.
            let before = runner.scripts.count
            let slices = client.resource(DiscoveryV1.EndpointSlice.self)
            for index in 0..<10 {
                _ = try await slices.create(Self.slice("web-\(index)", service: "web", addresses: ["10.42.0.\(index + 1)"]))
            }
            try await eventually("all ten endpoints in the rules") {
                runner.scripts.dropFirst(before).last?.contains("numgen random mod 10 == 0 ") == true
            }
            #expect(runner.scripts.count - before < 10)
            #expect(runner.scripts.dropFirst(before).allSatisfy { !$0.contains("delete table") })

            // The Service goes: its rules go.
            _ = try await client.resource(CoreV1.Service.self).delete("web", namespace: "default")
            try await eventually("the Service's rules removed") {
                runner.scripts.last?.contains("delete element ip k3s-swift-proxy service-ips { 10.43.0.50 . tcp . 80 }") == true
            }
        }
    }

    @Test func aFailedSyncIsRetried() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let runner = RecordingNFTablesRunner()
            runner.failNext()
            let controller = ServiceProxyController(
                configuration: .init(nodeName: "node-a"), informers: InformerFactory(client: client, logger: Fixtures.logger),
                runner: runner, debounce: .milliseconds(10), retryDelay: .milliseconds(50), logger: Fixtures.logger)
            let task = Task { await controller.run() }
            defer { task.cancel() }
            try await eventually("a sync after the failure") { controller.syncCount == 1 }
            #expect(runner.scripts.count == 2)
            #expect(runner.scripts.allSatisfy { $0.contains("delete table ip k3s-swift-proxy") })
            #expect(controller.lastError == nil)
        }
    }
}
