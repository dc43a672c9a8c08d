import KubeAPI
import NFTables
import Testing

@testable import ServiceProxy

/// Every rule set the proxier writes, checked by nft's own parser and the kernel (`nft -c`) and
/// then applied, inside a network namespace the test makes.
@Suite(.enabled(if: Host.canUseNFTables, "needs root, nft and ip (CI has them)"))
struct NFTablesValidationTests {
    static func scenarios() -> [(ProxyService, [ProxyEndpoint])] {
        let udp = ProxyService(
            id: .init(namespace: "kube-system", name: "kube-dns"), clusterIPs: [Fixtures.ip("10.43.0.10")],
            ports: [.init(name: "dns", protocol: .udp, port: 53), .init(name: "dns-tcp", protocol: .tcp, port: 53),
                    .init(name: "", protocol: .sctp, port: 9, nodePort: 30009)])
        let dnsEndpoint = ProxyEndpoint(ip: Fixtures.ip("10.42.0.53"), ports: ["dns": 53, "dns-tcp": 53, "": 9], nodeName: "node-a")
        return [
            (Fixtures.web(affinity: 300, externalIPs: ["192.0.2.7", "2001:db8::7"], loadBalancerIPs: ["192.0.2.50"]),
             [Fixtures.endpoint("10.42.0.5"), Fixtures.endpoint("10.42.1.6", node: "b"), Fixtures.endpoint("fd00:42::5")]),
            (Fixtures.web(external: .local, internalPolicy: .local, name: "local", clusterIP: "10.43.0.20"),
             [Fixtures.endpoint("10.42.0.7"), Fixtures.endpoint("10.42.1.8", node: "b", ready: false, terminating: true)]),
            (Fixtures.web(external: .local, name: "remote", clusterIP: "10.43.0.21"), [Fixtures.endpoint("10.42.1.9", node: "b")]),
            (Fixtures.web(name: "empty", clusterIP: "10.43.0.22"), []),
            (udp, [dnsEndpoint]),
        ]
    }

    @Test func fullAndIncrementalScriptsAreValid() async throws {
        try await Host.withNamespaces(["sp-nft"]) { names in
            let namespace = names[0]
            let check = CommandNFTablesRunner(networkNamespace: namespace, checkOnly: true)
            let apply = CommandNFTablesRunner(networkNamespace: namespace)
            let runner = RecordingNFTablesRunner()
            let configuration = ServiceProxyConfiguration(
                nodeName: "node-a", nodeIPs: Fixtures.configuration.nodeIPs, clusterCIDRs: Fixtures.configuration.clusterCIDRs,
                tableName: "k3s-test-\(Host.suffix())")
            let proxier = ServiceProxier(configuration: configuration, runner: runner, logger: Fixtures.logger)
            func step(_ what: String) async throws {
                try await proxier.sync()
                let script = try #require(runner.scripts.last, "\(what): no script")
                do {
                    try await check.apply(script)
                    try await apply.apply(script)
                } catch {
                    Issue.record("\(what): \(error)\n\(script)")
                    throw error
                }
            }
            for (service, endpoints) in Self.scenarios() {
                await proxier.setService(service.id, service)
                await proxier.setEndpoints(service.id, endpoints)
            }
            try await step("full sync")
            let listed = try await Host.exec(in: namespace, ["nft", "list", "table", "ip", configuration.tableName])
            #expect(listed.output.contains("10.43.0.10 . tcp . 80 : goto svc-default/web/tcp/http"))

            let web = Fixtures.web(affinity: 300, externalIPs: ["192.0.2.7", "2001:db8::7"], loadBalancerIPs: ["192.0.2.50"])
            await proxier.setEndpoints(web.id, [Fixtures.endpoint("10.42.0.5"), Fixtures.endpoint("fd00:42::6")])
            try await step("one endpoint replaced")
            await proxier.setEndpoints(web.id, [])
            try await step("last endpoint gone")
            await proxier.setEndpoints(.init(namespace: "default", name: "empty"), [Fixtures.endpoint("10.42.0.30")])
            try await step("first endpoint arrives")
            await proxier.setService(web.id, Fixtures.web(affinity: 60, external: .local))
            try await step("policy and affinity changed")
            for (service, _) in Self.scenarios() { await proxier.setService(service.id, nil) }
            try await step("every Service deleted")
            await proxier.requestFullSync()
            try await step("rebuilt at start over an existing table")
            let after = try await Host.exec(in: namespace, ["nft", "list", "table", "ip", configuration.tableName])
            #expect(!after.output.contains("svc-"))
        }
    }

    @Test func benchScriptsAreValid() async throws {
        try await Host.withNamespaces(["sp-bench"]) { names in
            let result = try await ServiceProxyBench.run(
                services: 50, endpointsPerService: 3, runner: CommandNFTablesRunner(networkNamespace: names[0]), logger: Fixtures.logger)
            #expect(result.fullScriptBytes > result.changeScriptBytes && result.changeScriptBytes > 0)
            let listed = try await Host.exec(in: names[0], ["nft", "list", "chain", "ip", "k3s-swift-proxy", "cluster-bench/svc-25/tcp/http"])
            #expect(listed.output.contains("10.127.0.1:8080"))
        }
    }
}
