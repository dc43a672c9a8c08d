@testable import Controllers
import KubeAPI
import Testing

@Suite("ServiceLB plan")
struct ServiceLBPlanTests {
    static func node(_ name: String, internal internalIPs: [String], external externalIPs: [String] = []) -> CoreV1.Node {
        CoreV1.Node(
            metadata: .init(name: name),
            status: CoreV1.NodeStatus(
                addresses: internalIPs.map { .init(address: $0, type: "InternalIP") } + externalIPs.map { .init(address: $0, type: "ExternalIP") },
                conditions: [.init(status: "True", type: "Ready")]))
    }

    static func service(_ name: String, created: Int64, ports: [(Int, String)], families: [String]? = nil) -> CoreV1.Service {
        var service = ServiceLBFixtures.loadBalancer(name, ports: ports, ipFamilies: families)
        service.metadata.creationTimestamp = Time(secondsSinceEpoch: created)
        return service
    }

    static func plan(_ services: [CoreV1.Service], _ nodes: [CoreV1.Node]) -> ServiceLBPlan {
        ServiceLBPlan(services: services, nodes: nodes) { _ in [] }
    }

    @Test func dualStackAddressesFollowTheServiceFamiliesSortedWithinEach() {
        let nodes = [Self.node("n1", internal: ["10.0.0.10", "fd00::1"]), Self.node("n2", internal: ["fd00::2", "10.0.0.9", "not-an-ip"])]
        let plan = Self.plan([
            Self.service("v6-first", created: 1, ports: [(80, "TCP")], families: ["IPv6", "IPv4"]),
            Self.service("v4", created: 1, ports: [(81, "TCP")]),
        ], nodes)
        #expect(plan.outcomes["default/v6-first"]?.addresses == ["fd00::1", "fd00::2", "10.0.0.9", "10.0.0.10"])
        #expect(plan.outcomes["default/v4"]?.addresses == ["10.0.0.9", "10.0.0.10"])
    }

    @Test func externalAddressesWinWhenAnyServingNodeHasOne() {
        let nodes = [Self.node("n1", internal: ["10.0.0.1"], external: ["203.0.113.1"]), Self.node("n2", internal: ["10.0.0.2"])]
        let plan = Self.plan([Self.service("web", created: 1, ports: [(80, "TCP")])], nodes)
        #expect(plan.outcomes["default/web"]?.addresses == ["203.0.113.1"])
        #expect(plan.outcomes["default/web"]?.nodes == ["n1", "n2"])
    }

    @Test func theOlderServiceClaimsThePortWhateverItsName() {
        let nodes = [Self.node("n1", internal: ["10.0.0.1"])]
        let plan = Self.plan([
            Self.service("a-newer", created: 20, ports: [(80, "TCP"), (443, "TCP")]),
            Self.service("z-older", created: 10, ports: [(80, "TCP")]),
            Self.service("m-tls", created: 15, ports: [(443, "TCP")]),
        ], nodes)
        #expect(plan.outcomes["default/z-older"]?.addresses == ["10.0.0.1"])
        #expect(plan.outcomes["default/m-tls"]?.addresses == ["10.0.0.1"])
        let pending = plan.outcomes["default/a-newer"]?.pending
        #expect(pending == .portsInUse([.init(port: 80, proto: "TCP"): ["default/z-older"], .init(port: 443, proto: "TCP"): ["default/m-tls"]]))
        #expect(pending?.message.hasPrefix("ports 80/TCP, 443/TCP are already in use on every eligible node by LoadBalancer Services default/m-tls, default/z-older") == true)
    }

    @Test func servicesItDoesNotServeAreNotPlanned() {
        var classed = Self.service("classed", created: 1, ports: [(80, "TCP")])
        classed.spec?.loadBalancerClass = "example.com/lb"
        var nodePort = Self.service("np", created: 1, ports: [(80, "TCP")])
        nodePort.spec?.type = "NodePort"
        var deleting = Self.service("deleting", created: 1, ports: [(80, "TCP")])
        deleting.metadata.deletionTimestamp = Time(secondsSinceEpoch: 5)
        let plan = Self.plan([classed, nodePort, deleting], [Self.node("n1", internal: ["10.0.0.1"])])
        #expect(plan.outcomes.isEmpty)
    }

    @Test func noNodesMeansNoEligibleNode() {
        let plan = Self.plan([Self.service("web", created: 1, ports: [(80, "TCP")])], [])
        #expect(plan.outcomes["default/web"] == .init(addresses: [], nodes: [], pending: .noEligibleNode))
    }
}
