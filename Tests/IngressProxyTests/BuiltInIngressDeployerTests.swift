import ClusterTesting
import IngressProxy
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOPosix
import Testing

@Suite("Built-in ingress deployer against an API server")
struct BuiltInIngressDeployerTests {
    @Test func servesIngressesFromInformersRecordsProblemsAndWritesStatus() async throws {
        let backend = try await TestBackend.start("web")
        defer { Task { await backend.stop() } }
        try await TestAPIServer.with { server in
            let client = server.client()
            let logger = ProxyHarness.logger
            let informers = InformerFactory(client: client, logger: logger)
            let events = EventRecorder(client: client, component: "ingress-proxy", logger: logger)
            let policy = IngressClassPolicy()
            try await BuiltInIngressDeployer.ensureIngressClass(client: client, policy: policy)
            try await BuiltInIngressDeployer.ensureIngressClass(client: client, policy: policy)
            let ingressClass = try await client.resource(NetworkingV1.IngressClass.self).get("k3s")
            #expect(ingressClass.spec?.controller == "k3s.io/ingress-proxy")
            #expect(ingressClass.metadata.annotations?[IngressClassPolicy.defaultClassAnnotation] == "true")

            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let deployer = try BuiltInIngressDeployer(
                configuration: IngressProxyConfiguration(listeners: [.init(host: "127.0.0.1", port: 0, tls: false)]),
                client: client, informers: informers, events: events, group: group, writeStatus: true, logger: logger)
            try await deployer.start()
            let port = try #require(deployer.listeners.first?.address.port)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { await informers.run() }
                tasks.addTask { await events.run() }

                _ = try await client.resource(CoreV1.Service.self).create(IngressFixtures.service("web"), namespace: "default")
                _ = try await client.resource(DiscoveryV1.EndpointSlice.self).create(
                    IngressFixtures.slice("web-1", service: "web", ports: [("http", backend.port)], endpoints: [("127.0.0.1", true)]), namespace: "default")
                // No class: served because ours is the default class. "traefik": the alias.
                _ = try await client.resource(NetworkingV1.Ingress.self).create(
                    IngressFixtures.ingress("site", className: nil, rules: [(host: "a.test", paths: [IngressFixtures.path("/", service: "web")])]),
                    namespace: "default")
                _ = try await client.resource(NetworkingV1.Ingress.self).create(
                    IngressFixtures.ingress(
                        "broken", className: "traefik", rules: [(host: "b.test", paths: [IngressFixtures.path("/", service: "absent")])],
                        tls: [NetworkingV1.IngressTLS(hosts: ["b.test"], secretName: "absent-tls")]),
                    namespace: "default")
                _ = try await client.resource(NetworkingV1.Ingress.self).create(
                    IngressFixtures.ingress("foreign", className: "nginx", rules: [(host: "c.test", paths: [IngressFixtures.path("/", service: "web")])]),
                    namespace: "default")

                try await eventually("the Ingress routes to the Service's endpoint", timeout: .seconds(10)) {
                    (try? await TestHTTPConnection.get(port: port, host: "a.test", "/"))?.line("backend") == "web"
                }
                #expect(try await TestHTTPConnection.get(port: port, host: "b.test", "/").status == .serviceUnavailable)
                #expect(try await TestHTTPConnection.get(port: port, host: "c.test", "/").status == .notFound)
                try await eventually("Warning events name the missing Service and Secret", timeout: .seconds(10)) {
                    let list = try? await client.resource(CoreV1.Event.self).list(namespace: "default")
                    let reasons = Set((list?.items ?? []).filter { $0.involvedObject?.name == "broken" && $0.type == "Warning" }.compactMap(\.reason))
                    return reasons == ["ServiceNotFound", "SecretNotFound"]
                }

                deployer.setLoadBalancerAddresses(["192.0.2.10"])
                try await eventually("served Ingresses show the address", timeout: .seconds(10)) {
                    let ingresses = client.resource(NetworkingV1.Ingress.self)
                    let site = try? await ingresses.get("site", namespace: "default")
                    let broken = try? await ingresses.get("broken", namespace: "default")
                    return site?.status?.loadBalancer?.ingress?.first?.ip == "192.0.2.10" && broken?.status?.loadBalancer?.ingress?.count == 1
                }
                let foreign = try await client.resource(NetworkingV1.Ingress.self).get("foreign", namespace: "default")
                #expect(foreign.status?.loadBalancer?.ingress == nil)
                tasks.cancelAll()
            }
            await deployer.stop()
            // The shared informers run on for others: the deployer's handlers are gone.
            #expect(informers.informer(NetworkingV1.Ingress.self).handlerCount == 0)
            #expect(informers.informer(CoreV1.Secret.self).handlerCount == 0)
            try await group.shutdownGracefully()
        }
    }
}
