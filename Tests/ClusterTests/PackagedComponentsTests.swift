import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import NetOverlay
import Testing
@testable import Cluster

/// The server's packaged components: the `kube-dns` Service of the built-in cluster DNS is
/// made once, handed to the nodes rather than the service proxy, and removed by
/// `--disable coredns`.
@Suite struct PackagedComponentsTests {
    let logger = Logger(label: "test.packaged-components", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func theClusterDNSServiceIsMadeOnceAndLeftToTheNodes() async throws {
        try await TestAPIServer.with { api in
            let client = api.client()
            let components = PackagedComponents(disabled: ["traefik"], clusterDNSAddresses: [IPAddress("10.43.0.10")!])
            try await components.reconcile(client: client, logger: logger)
            let service = try await client.resource(CoreV1.Service.self).get("kube-dns", namespace: "kube-system")
            #expect(service.spec?.clusterIP == "10.43.0.10")
            #expect(service.spec?.ports?.map { "\($0.name ?? "")/\($0.port ?? 0)/\($0.protocol ?? "")" } == ["dns/53/UDP", "dns-tcp/53/TCP", "metrics/9153/TCP"])
            #expect(service.metadata.labels?["k8s-app"] == "kube-dns")
            #expect(service.metadata.labels?["service.kubernetes.io/service-proxy-name"] == PackagedComponents.clusterDNSProxyName)

            // A second start keeps what is there (a user's edit survives).
            var edited = service
            edited.metadata.labels?["team"] = "dns"
            _ = try await client.resource(CoreV1.Service.self).update(edited)
            try await components.reconcile(client: client, logger: logger)
            #expect(try await client.resource(CoreV1.Service.self).get("kube-dns", namespace: "kube-system").metadata.labels?["team"] == "dns")

            // `--disable coredns` removes it.
            try await PackagedComponents(disabled: ["coredns"], clusterDNSAddresses: [IPAddress("10.43.0.10")!])
                .reconcile(client: client, logger: logger)
            await #expect(throws: StatusError.self) {
                _ = try await client.resource(CoreV1.Service.self).get("kube-dns", namespace: "kube-system")
            }
        }
    }

    @Test func aKubeDNSServiceOfAnotherDNSIsLeftAlone() async throws {
        try await TestAPIServer.with { api in
            let client = api.client()
            let theirs = CoreV1.Service(
                metadata: .init(labels: ["k8s-app": "kube-dns"], name: "kube-dns", namespace: "kube-system"),
                spec: .init(clusterIP: "10.43.0.10", ports: [.init(name: "dns", port: 53, protocol: "UDP")], selector: ["k8s-app": "kube-dns"]))
            _ = try await client.resource(CoreV1.Service.self).create(theirs, namespace: "kube-system")
            // Neither enabled nor disabled touches a Service the server did not make.
            for disabled in [Set<String>(), ["coredns"]] {
                try await PackagedComponents(disabled: disabled, clusterDNSAddresses: [IPAddress("10.43.0.10")!])
                    .reconcile(client: client, logger: logger)
                let service = try await client.resource(CoreV1.Service.self).get("kube-dns", namespace: "kube-system")
                #expect(service.metadata.labels?["service.kubernetes.io/service-proxy-name"] == nil)
            }
        }
    }

    @Test func theIngressProxyGetsItsClassAndLoadBalancerServiceUnlessDisabled() async throws {
        try await TestAPIServer.with { api in
            let client = api.client()
            let services = client.resource(CoreV1.Service.self)
            try await PackagedComponents(disabled: ["traefik"], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            await #expect(throws: StatusError.self) { _ = try await services.get("k3s-ingress", namespace: "kube-system") }

            try await PackagedComponents(disabled: [], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            let service = try await services.get("k3s-ingress", namespace: "kube-system")
            #expect(service.spec?.type == "LoadBalancer")
            #expect(service.spec?.ports?.map { $0.port ?? 0 } == [80, 443])
            #expect(service.metadata.labels?["service.kubernetes.io/service-proxy-name"] == PackagedComponents.ingressProxyName)
            let ingressClass = try await client.resource(NetworkingV1.IngressClass.self).get("k3s")
            #expect(ingressClass.metadata.annotations?["ingressclass.kubernetes.io/is-default-class"] == "true")

            try await PackagedComponents(disabled: ["traefik"], clusterDNSAddresses: []).reconcile(client: client, logger: logger)
            await #expect(throws: StatusError.self) { _ = try await services.get("k3s-ingress", namespace: "kube-system") }
        }
    }

    @Test func dualStackAddressesMakeADualStackService() {
        let service = PackagedComponents(disabled: [], clusterDNSAddresses: [IPAddress("10.43.0.10")!, IPAddress("fd00:43::a")!]).clusterDNSService
        #expect(service.spec?.clusterIPs == ["10.43.0.10", "fd00:43::a"])
        #expect(service.spec?.ipFamilyPolicy == "PreferDualStack")
    }

    @Test func theNodeMakesTheDNSAddressesLocalAndReadsItsUpstreams() throws {
        let tmp = try TemporaryDirectory()
        try tmp.write("resolv.conf", "search example.org\nnameserver 10.99.0.53\nnameserver fd00::53\n")
        let dns = NodeClusterDNS(
            addresses: [IPAddress("10.43.0.10")!, IPAddress("fd00:43::a")!], domain: "cluster.local", upstreamResolvConf: tmp.file("resolv.conf"),
            runner: RecordingLinkRunner(), logger: logger)
        #expect(dns.addressCommands.map(\.description) == [
            "ip address replace 10.43.0.10/32 dev lo label lo:k3s-dns", "ip address replace fd00:43::a/128 dev lo",
        ])
        #expect(dns.upstreams.map { $0.ipAddress ?? "" } == ["10.99.0.53", "fd00::53"])
        // A missing file leaves the cluster DNS without upstreams (other names answer SERVFAIL).
        let missing = NodeClusterDNS(
            addresses: [], domain: "cluster.local", upstreamResolvConf: tmp.file("absent.conf"), runner: RecordingLinkRunner(), logger: logger)
        #expect(missing.upstreams.isEmpty)
    }

    @Test func theNodeLeavesOutADisabledClusterDNS() throws {
        let node = ContainerNode(
            configuration: .init(dataDir: "/tmp/x", nodeName: "n1", settings: NodeSettings(), defaultNodeIP: IPAddress("10.0.0.2")!, isServer: false),
            logger: logger)
        var joined = NodeCredentials(
            server: "https://127.0.0.1:6443", nodeName: "n1", caBundlePEM: "", certificatePEM: "", privateKeyPEM: "",
            clusterDNS: ["10.43.0.10"], clusterDomain: "k3s.internal")
        let kubelet = try node.kubeletConfiguration(joined: joined)
        let dns = try #require(node.clusterDNS(joined: joined, kubelet: kubelet))
        #expect(dns.addresses == [IPAddress("10.43.0.10")!] && dns.domain == "k3s.internal")
        #expect(dns.upstreamResolvConf == "/etc/resolv.conf")
        joined.disabledComponents = ["coredns"]
        #expect(node.clusterDNS(joined: joined, kubelet: kubelet) == nil)
    }
}

/// Records commands and runs nothing.
struct RecordingLinkRunner: LinkCommandRunner {
    func run(_ command: LinkCommand) async throws -> String { "" }
}
