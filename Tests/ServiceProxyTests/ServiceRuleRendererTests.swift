import KubeAPI
import NFTables
import Testing

@testable import ServiceProxy

@Suite struct ServiceRuleRendererTests {
    let v4 = ServiceRuleRenderer(configuration: Fixtures.configuration, family: .ipv4)
    let v6 = ServiceRuleRenderer(configuration: Fixtures.configuration, family: .ipv6)

    func element(_ objects: NFTablesObjects, _ set: String, _ key: String) -> String? {
        objects.elements[.init(set: set, key: key)]
    }

    @Test func clusterIPPicksAnEndpointAtRandomAndDNATs() {
        let objects = v4.objects(for: Fixtures.web(), endpoints: [Fixtures.endpoint("10.42.0.5"), Fixtures.endpoint("10.42.1.6", node: "b"), Fixtures.endpoint("fd00:42::5")])
        #expect(element(objects, "service-ips", "10.43.0.10 . tcp . 80") == "goto svc-default/web/tcp/http")
        #expect(objects.chains["svc-default/web/tcp/http"]?.rules == [
            "ip saddr != { 10.42.0.0/16 } jump mark-for-masquerade", "goto cluster-default/web/tcp/http",
        ])
        #expect(objects.chains["cluster-default/web/tcp/http"]?.rules == [
            "numgen random mod 2 == 0 meta l4proto tcp dnat to 10.42.0.5:8080", "meta l4proto tcp dnat to 10.42.1.6:8080",
        ])
        // A pod reaching itself through the Service is masqueraded.
        #expect(element(objects, "endpoint-hairpin", "10.42.0.5 . 10.42.0.5") == "")
        #expect(element(objects, "endpoint-hairpin", "10.42.1.6 . 10.42.1.6") == "")
        #expect(element(objects, "service-nodeports", "tcp . 30080") == "goto ext-default/web/tcp/http")
        #expect(objects.chains["ext-default/web/tcp/http"]?.rules == ["jump mark-for-masquerade", "goto cluster-default/web/tcp/http"])
        #expect(objects.sets.isEmpty)
    }

    @Test func ipv6RulesUseTheIPv6Endpoints() {
        let objects = v6.objects(for: Fixtures.web(), endpoints: [Fixtures.endpoint("10.42.0.5"), Fixtures.endpoint("fd00:42::5")])
        #expect(element(objects, "service-ips", "fd00:43::10 . tcp . 80") == "goto svc-default/web/tcp/http")
        #expect(objects.chains["cluster-default/web/tcp/http"]?.rules == ["meta l4proto tcp dnat to [fd00:42::5]:8080"])
        let v4Only = ProxyService(id: .init(namespace: "a", name: "b"), clusterIPs: [Fixtures.ip("10.43.0.1")], ports: [.init(port: 80)])
        #expect(v6.objects(for: v4Only, endpoints: []).isEmpty)
    }

    @Test func sessionAffinityRemembersClientsWithATimeout() {
        let objects = v6.objects(for: Fixtures.web(affinity: 60), endpoints: [Fixtures.endpoint("fd00:42::5")])
        let set = "affinity60-default/web/tcp/http__fd00.42..5/8080"
        #expect(objects.sets[set] == "type ipv6_addr; flags dynamic,timeout; timeout 60s;")
        #expect(objects.chains["cluster-default/web/tcp/http"]?.rules == [
            "ip6 saddr @\(set) goto ep-default/web/tcp/http__fd00.42..5/8080",
            "numgen random mod 1 vmap { 0 : goto ep-default/web/tcp/http__fd00.42..5/8080 }",
        ])
        #expect(objects.chains["ep-default/web/tcp/http__fd00.42..5/8080"]?.rules == [
            "update @\(set) { ip6 saddr }", "meta l4proto tcp dnat to [fd00:42::5]:8080",
        ])
    }

    @Test func noUsableEndpointRejects() {
        let objects = v4.objects(for: Fixtures.web(externalIPs: ["192.0.2.7"]), endpoints: [Fixtures.endpoint("10.42.0.5", ready: false)])
        #expect(element(objects, "no-endpoint-services", "10.43.0.10 . tcp . 80") == "goto reject-chain")
        #expect(element(objects, "no-endpoint-services", "192.0.2.7 . tcp . 80") == "goto reject-chain")
        #expect(element(objects, "no-endpoint-nodeports", "tcp . 30080") == "goto reject-chain")
        #expect(objects.chains.isEmpty)
        #expect(!objects.elements.keys.contains { $0.set == "endpoint-hairpin" })
    }

    @Test func terminatingServingEndpointsServeWhenNoneIsReady() {
        let objects = v4.objects(for: Fixtures.web(), endpoints: [
            Fixtures.endpoint("10.42.0.5", ready: false, terminating: true), Fixtures.endpoint("10.42.0.6", ready: false),
        ])
        #expect(objects.chains["cluster-default/web/tcp/http"]?.rules == ["meta l4proto tcp dnat to 10.42.0.5:8080"])
    }

    @Test func externalTrafficPolicyLocal() {
        let service = Fixtures.web(external: .local, loadBalancerIPs: ["192.0.2.50"])
        let remoteOnly = v4.objects(for: service, endpoints: [Fixtures.endpoint("10.42.1.6", node: "b")])
        // Cluster IPs still reach every endpoint; external traffic with none here is dropped.
        #expect(element(remoteOnly, "service-ips", "10.43.0.10 . tcp . 80") == "goto svc-default/web/tcp/http")
        #expect(element(remoteOnly, "no-endpoint-nodeports", "tcp . 30080") == "drop")
        #expect(element(remoteOnly, "no-endpoint-services", "192.0.2.50 . tcp . 80") == "drop")

        let withLocal = v4.objects(for: service, endpoints: [Fixtures.endpoint("10.42.1.6", node: "b"), Fixtures.endpoint("10.42.0.5")])
        #expect(element(withLocal, "service-ips", "192.0.2.50 . tcp . 80") == "goto ext-default/web/tcp/http")
        #expect(withLocal.chains["ext-default/web/tcp/http"]?.rules == [
            "ip saddr { 10.42.0.0/16 } goto cluster-default/web/tcp/http",
            "fib saddr type local jump mark-for-masquerade",
            "fib saddr type local goto cluster-default/web/tcp/http",
            "goto local-default/web/tcp/http",
        ])
        #expect(withLocal.chains["local-default/web/tcp/http"]?.rules == ["meta l4proto tcp dnat to 10.42.0.5:8080"])
    }

    @Test func internalTrafficPolicyLocal() {
        let service = Fixtures.web(internalPolicy: .local)
        let remoteOnly = v4.objects(for: service, endpoints: [Fixtures.endpoint("10.42.1.6", node: "b")])
        #expect(element(remoteOnly, "no-endpoint-services", "10.43.0.10 . tcp . 80") == "drop")
        #expect(element(remoteOnly, "service-nodeports", "tcp . 30080") == "goto ext-default/web/tcp/http")

        let withLocal = v4.objects(for: service, endpoints: [Fixtures.endpoint("10.42.1.6", node: "b"), Fixtures.endpoint("10.42.0.5")])
        #expect(withLocal.chains["svc-default/web/tcp/http"]?.rules.last == "goto local-default/web/tcp/http")
    }

    @Test func baseTableHooks() {
        let chains = v4.baseObjects.chains
        #expect(chains["nat-prerouting"]?.declaration?.contains("hook prerouting") == true)
        #expect(chains["nat-output"]?.declaration?.contains("hook output") == true)
        #expect(chains["nat-postrouting"]?.rules == [
            "ct status dnat ip saddr . ip daddr @endpoint-hairpin jump mark-for-masquerade", "jump masquerading",
        ])
        #expect(chains["masquerading"]?.rules == ["meta mark & 0x4000 == 0 return", "meta mark set meta mark ^ 0x4000", "masquerade fully-random"])
        #expect(chains["services"]?.rules.last == "fib daddr type local ip daddr != 127.0.0.0/8 meta l4proto . th dport vmap @service-nodeports")
        #expect(v6.baseObjects.chains["services"]?.rules.last == "fib daddr type local ip6 daddr != ::1 meta l4proto . th dport vmap @service-nodeports")
    }
}
