import KubeAPI
import Testing

@testable import ServiceProxy

@Suite struct ProxyModelTests {
    static func slice(
        _ endpoints: [DiscoveryV1.Endpoint], type: String = "IPv4",
        ports: [DiscoveryV1.EndpointPort] = [.init(name: "http", port: 8080, protocol: "TCP")]
    ) -> DiscoveryV1.EndpointSlice {
        DiscoveryV1.EndpointSlice(
            addressType: type, endpoints: endpoints,
            metadata: .init(labels: ["kubernetes.io/service-name": "web"], name: "web-\(type)", namespace: "default"), ports: ports)
    }

    @Test func serviceFromTheAPI() throws {
        let service = CoreV1.Service(
            metadata: .init(name: "web", namespace: "shop"),
            spec: .init(
                clusterIP: "10.43.0.10", clusterIPs: ["fd00:43::a", "10.43.0.10"], externalIPs: ["192.0.2.7", "not-an-ip"],
                externalTrafficPolicy: "Local", internalTrafficPolicy: "Local",
                ports: [.init(name: "http", nodePort: 30080, port: 80, protocol: "TCP", targetPort: "web"),
                        .init(name: "dns", port: 53, protocol: "UDP"), .init(name: "odd", port: 1, protocol: "ICMP")],
                sessionAffinity: "ClientIP", type: "LoadBalancer"),
            status: .init(loadBalancer: .init(ingress: [.init(ip: "192.0.2.50"), .init(hostname: "lb.example")])))
        let model = try #require(ProxyService(service))
        #expect(model.id == .init(namespace: "shop", name: "web"))
        #expect(model.clusterIPs.map(\.description) == ["10.43.0.10", "fd00:43::a"])
        #expect(model.ports == [
            .init(name: "http", protocol: .tcp, port: 80, targetPort: "web", nodePort: 30080),
            .init(name: "dns", protocol: .udp, port: 53),
        ])
        #expect(model.externalIPs.map(\.description) == ["192.0.2.7"])
        #expect(model.loadBalancerIPs.map(\.description) == ["192.0.2.50"])
        #expect(model.sessionAffinityTimeout == 10_800)
        #expect(model.externalTrafficPolicy == .local && model.internalTrafficPolicy == .local)
    }

    @Test func servicesTheProxyIgnores() {
        #expect(ProxyService(CoreV1.Service(metadata: .init(name: "a"), spec: .init(clusterIP: "None"))) == nil)
        #expect(ProxyService(CoreV1.Service(metadata: .init(name: "a"), spec: .init(externalName: "x.example", type: "ExternalName"))) == nil)
        #expect(ProxyService(CoreV1.Service(metadata: .init(name: "a"), spec: .init())) == nil)
        let handedOver = CoreV1.Service(
            metadata: .init(labels: [ProxyService.serviceProxyNameLabel: "k3s-cluster-dns"], name: "kube-dns"),
            spec: .init(clusterIP: "10.43.0.10", ports: [.init(port: 53)]))
        #expect(ProxyService(handedOver) == nil, "a Service another proxy serves")
        let plain = ProxyService(CoreV1.Service(metadata: .init(name: "a"), spec: .init(clusterIP: "10.43.0.1", ports: [.init(port: 443)])))
        #expect(plain?.sessionAffinityTimeout == nil)
        #expect(plain?.externalTrafficPolicy == .cluster && plain?.internalTrafficPolicy == .cluster)
        #expect(plain?.ports.first?.protocol == .tcp && plain?.id.namespace == "default")
    }

    @Test func endpointConditionsAsUpstreamReadsThem() throws {
        let endpoints = ProxyEndpoint.endpoints(from: [
            Self.slice([
                .init(addresses: ["10.42.0.3"], nodeName: "n1"),
                .init(addresses: ["10.42.0.1"], conditions: .init(ready: false, serving: true, terminating: true), nodeName: "n2"),
                .init(addresses: ["10.42.0.2"], conditions: .init(ready: false)),
                .init(addresses: ["fd00::1"]),
            ]),
            Self.slice([.init(addresses: ["db.example"])], type: "FQDN"),
        ])
        #expect(endpoints.map(\.ip.description) == ["10.42.0.1", "10.42.0.2", "10.42.0.3"])
        let byIP = Dictionary(uniqueKeysWithValues: endpoints.map { ($0.ip.description, $0) })
        #expect(byIP["10.42.0.3"]?.ready == true && byIP["10.42.0.3"]?.serving == true && byIP["10.42.0.3"]?.terminating == false)
        #expect(byIP["10.42.0.1"]?.ready == false && byIP["10.42.0.1"]?.serving == true && byIP["10.42.0.1"]?.terminating == true)
        #expect(byIP["10.42.0.2"]?.serving == false)
        #expect(byIP["10.42.0.3"]?.ports == ["http": 8080] && byIP["10.42.0.3"]?.nodeName == "n1")
    }

    @Test func addressesInSeveralSlicesMerge() {
        let endpoints = ProxyEndpoint.endpoints(from: [
            Self.slice([.init(addresses: ["10.42.0.1"], conditions: .init(ready: false))]),
            Self.slice([.init(addresses: ["10.42.0.1"])], ports: [.init(name: "metrics", port: 9090)]),
        ])
        #expect(endpoints.count == 1)
        #expect(endpoints.first?.ports == ["http": 8080, "metrics": 9090])
        #expect(endpoints.first?.ready == true)
    }

    @Test func selectionPrefersReadyThenServingTerminating() {
        let ip = { (n: UInt32) in IPAddress(ipv4: 0x0A2A_0000 + n) }
        let ready = ProxyEndpoint(ip: ip(1), ports: ["": 80], nodeName: "other")
        let draining = ProxyEndpoint(ip: ip(2), ports: ["": 80], ready: false, serving: true, terminating: true, nodeName: "me")
        let gone = ProxyEndpoint(ip: ip(3), ports: ["": 80], ready: false, serving: false, terminating: true, nodeName: "me")
        let notReady = ProxyEndpoint(ip: ip(4), ports: ["": 80], ready: false, nodeName: "me")

        let mixed = EndpointSelection([ready, draining, gone, notReady], nodeName: "me")
        #expect(mixed.cluster == [ready])
        #expect(mixed.local == [draining])
        #expect(mixed.endpoints(for: .local) == [draining] && mixed.endpoints(for: .cluster) == [ready])

        let terminatingOnly = EndpointSelection([draining, gone, notReady], nodeName: "elsewhere")
        #expect(terminatingOnly.cluster == [draining] && terminatingOnly.local.isEmpty && terminatingOnly.hasEndpoints)

        let none = EndpointSelection([gone, notReady], nodeName: "me")
        #expect(none.cluster.isEmpty && none.local.isEmpty && !none.hasEndpoints)
    }
}
