import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import ClusterDNS

@Suite("Cluster DNS from informers")
struct InformerDNSRecordSourceTests {
    static let logger = Logger(label: "dns-informers", factory: { _ in SwiftLogNoOpLogHandler() })
    static let resolver = ClusterDNSResolver(configuration: ClusterDNSConfiguration(shuffleAddresses: false))

    func answers(_ source: some DNSRecordSource, _ name: DNSName, _ type: DNSRecordType = .a) -> [String]? {
        guard case .answer(let response) = Self.resolver.resolve(DNSMessage.query(id: 1, name: name, type: type), index: source.currentIndex),
            response.responseCode == .noError
        else { return nil }
        return response.answers.map(\.summary)
    }

    @Test func answersFromAnAPIServersObjectsAndFollowsTheirChanges() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let informers = InformerFactory(client: client, logger: Self.logger)
            let source = InformerDNSRecordSource(informers: informers, logger: Self.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await informers.run() }
                group.addTask { await source.run() }
                // Before the first list, an unknown name is a server failure.
                if !source.currentIndex.hasSynced {
                    guard case .answer(let early) = Self.resolver.resolve(DNSMessage.query(id: 1, name: "x.default.svc.cluster.local", type: .a), index: source.currentIndex) else {
                        Issue.record("not answered")
                        return
                    }
                    #expect(early.responseCode == .serverFailure)
                }
                _ = try await client.resource(CoreV1.Namespace.self).create(CoreV1.Namespace(metadata: MetaV1.ObjectMeta(name: "apps")))
                let web = try await client.resource(CoreV1.Service.self).create(
                    DNSFixtures.service("web", clusterIPs: nil, ports: [("http", 80, "TCP")]), namespace: "default")
                let clusterIP = try #require(web.spec?.clusterIP)
                _ = try await client.resource(CoreV1.Service.self).create(DNSFixtures.service("db", namespace: "apps", headless: true), namespace: "apps")
                _ = try await client.resource(DiscoveryV1.EndpointSlice.self).create(
                    DNSFixtures.slice("db-1", service: "db", namespace: "apps", endpoints: [("10.42.0.5", "db-0", true), ("10.42.0.6", nil, false)]),
                    namespace: "apps")

                try await eventually("the Service resolves", timeout: .seconds(10)) {
                    answers(source, "web.default.svc.cluster.local") == ["A \(clusterIP)"]
                }
                try await eventually("the StatefulSet-style pod resolves", timeout: .seconds(10)) {
                    answers(source, "db-0.db.apps.svc.cluster.local") == ["A 10.42.0.5"]
                        && answers(source, "db.apps.svc.cluster.local") == ["A 10.42.0.5"]
                }
                #expect(source.currentIndex.hasSynced)

                // The second endpoint becomes ready; the Service goes away.
                let slices = client.resource(DiscoveryV1.EndpointSlice.self)
                var slice = try await slices.get("db-1", namespace: "apps")
                slice.endpoints?[1].conditions?.ready = true
                _ = try await slices.update(slice)
                _ = try await client.resource(CoreV1.Service.self).delete("web", namespace: "default")
                try await eventually("the changes show", timeout: .seconds(10)) {
                    answers(source, "db.apps.svc.cluster.local") == ["A 10.42.0.5", "A 10.42.0.6"]
                        && answers(source, "web.default.svc.cluster.local") == nil
                }
                group.cancelAll()
            }
        }
    }

    @Test func readsNameserversFromResolvConf() {
        let text = """
            # generated
            search example.internal
            nameserver 192.0.2.53
            nameserver   fe80::1%eth0
            options ndots:5
            nameserver not-an-address
            nameserver 2001:db8::53 # comment
            """
        #expect(ResolvConf.nameservers(in: text).map { "\($0.ipAddress!):\($0.port!)" } == ["192.0.2.53:53", "fe80::1:53", "2001:db8::53:53"])
    }

    @Test func theLoadGeneratorCountsAnswers() async throws {
        let server = ClusterDNSServer(
            configuration: .init(host: "127.0.0.1", port: 0), resolver: Self.resolver, source: DNSFixtures.source(), forwarder: nil,
            logger: Self.logger)
        let running = try await server.start()
        let generator = DNSLoadGenerator(server: running.udpAddress, question: DNSQuestion(name: "web.default.svc.cluster.local", type: .a), senders: 2, window: 4)
        let result = try await generator.run(duration: .milliseconds(300), warmUp: .milliseconds(50))
        await running.stop()
        #expect(result.answers > 100 && result.errors == 0)
        #expect(result.answersPerSecond > 0)
    }
}
