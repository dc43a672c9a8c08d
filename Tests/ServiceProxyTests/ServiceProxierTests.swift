import KubeAPI
import NFTables
import Testing

@testable import ServiceProxy

@Suite struct ServiceProxierTests {
    @Test func firstSyncRebuildsBothTablesInOneTransaction() async throws {
        let script = try await Fixtures.fullScript([(Fixtures.web(), [Fixtures.endpoint("10.42.0.5"), Fixtures.endpoint("fd00:42::5")])])
        let lines = script.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(3)) == ["add table ip k3s-swift-proxy", "delete table ip k3s-swift-proxy", "add table ip k3s-swift-proxy"])
        #expect(lines.contains("delete table ip6 k3s-swift-proxy"))
        #expect(lines.contains("add element ip k3s-swift-proxy service-ips { 10.43.0.10 . tcp . 80 : goto svc-default/web/tcp/http }"))
        #expect(lines.contains("add element ip6 k3s-swift-proxy service-ips { fd00:43::10 . tcp . 80 : goto svc-default/web/tcp/http }"))
        // Chains exist before the elements that name them.
        let chain = try #require(lines.firstIndex(of: "add chain ip k3s-swift-proxy svc-default/web/tcp/http"))
        let element = try #require(lines.firstIndex { $0.hasPrefix("add element ip k3s-swift-proxy service-ips") })
        #expect(chain < element)
    }

    @Test func laterSyncsTouchOnlyWhatChanged() async throws {
        let runner = RecordingNFTablesRunner()
        let proxier = ServiceProxier(configuration: Fixtures.configuration, runner: runner, logger: Fixtures.logger)
        let web = Fixtures.web(), other = Fixtures.web(name: "other", clusterIP: "10.43.0.11")
        await proxier.setService(web.id, web)
        await proxier.setEndpoints(web.id, [Fixtures.endpoint("10.42.0.5")])
        await proxier.setService(other.id, other)
        await proxier.setEndpoints(other.id, [Fixtures.endpoint("10.42.0.9")])
        #expect(try await proxier.sync().full)

        await proxier.setEndpoints(web.id, [Fixtures.endpoint("10.42.0.5"), Fixtures.endpoint("10.42.0.6")])
        let report = try await proxier.sync()
        #expect(!report.full && report.servicesRendered == 1)
        let script = try #require(runner.scripts.last)
        #expect(!script.contains("other"))
        #expect(!script.contains("delete table"))
        #expect(script.contains("flush chain ip k3s-swift-proxy cluster-default/web/tcp/http"))
        #expect(script.contains("add element ip k3s-swift-proxy endpoint-hairpin { 10.42.0.6 . 10.42.0.6 }"))
        #expect(!script.contains("service-ips"))  // the map element did not change

        // Nothing changed: nothing is run.
        let count = runner.scripts.count
        #expect(try await proxier.sync().scriptBytes == 0)
        #expect(runner.scripts.count == count)

        // The last endpoint goes: the Service rejects, its chains go after its element.
        await proxier.setEndpoints(web.id, [])
        _ = try await proxier.sync()
        let removal = try #require(runner.scripts.last).split(separator: "\n").map(String.init)
        let deleted = try #require(removal.firstIndex(of: "delete element ip k3s-swift-proxy service-ips { 10.43.0.10 . tcp . 80 }"))
        let chainGone = try #require(removal.firstIndex(of: "delete chain ip k3s-swift-proxy svc-default/web/tcp/http"))
        #expect(deleted < chainGone)
        #expect(removal.contains("add element ip k3s-swift-proxy no-endpoint-services { 10.43.0.10 . tcp . 80 : goto reject-chain }"))

        // The Service goes: its reject entry goes too.
        await proxier.setService(web.id, nil)
        _ = try await proxier.sync()
        #expect(runner.scripts.last?.contains("delete element ip k3s-swift-proxy no-endpoint-services { 10.43.0.10 . tcp . 80 }") == true)
    }

    @Test func aFailedSyncIsFollowedByARebuild() async throws {
        let runner = RecordingNFTablesRunner()
        let proxier = ServiceProxier(configuration: Fixtures.configuration, runner: runner, logger: Fixtures.logger)
        let web = Fixtures.web()
        await proxier.setService(web.id, web)
        _ = try await proxier.sync()
        await proxier.setEndpoints(web.id, [Fixtures.endpoint("10.42.0.5")])
        runner.failNext()
        await #expect(throws: NFTablesError.self) { try await proxier.sync() }
        let report = try await proxier.sync()
        #expect(report.full)
        #expect(runner.scripts.last?.contains("dnat to 10.42.0.5:8080") == true)
    }

    @Test func theFirstServiceByNameKeepsAContestedAddress() async throws {
        let runner = RecordingNFTablesRunner()
        let proxier = ServiceProxier(configuration: Fixtures.configuration, runner: runner, logger: Fixtures.logger)
        let a = Fixtures.web(externalIPs: ["192.0.2.7"], name: "a", clusterIP: "10.43.0.1")
        let b = Fixtures.web(externalIPs: ["192.0.2.7"], name: "b", clusterIP: "10.43.0.2")
        for service in [b, a] {
            await proxier.setService(service.id, service)
            await proxier.setEndpoints(service.id, [Fixtures.endpoint("10.42.0.5")])
        }
        _ = try await proxier.sync()
        #expect(runner.scripts.last?.contains("192.0.2.7 . tcp . 80 : goto ext-default/a/tcp/http") == true)
        #expect(runner.scripts.last?.contains("ext-default/b/tcp/http }") == false)
        await proxier.setService(a.id, nil)
        _ = try await proxier.sync()
        let script = try #require(runner.scripts.last)
        #expect(script.contains("delete element ip k3s-swift-proxy service-ips { 10.43.0.1 . tcp . 80, 192.0.2.7 . tcp . 80 }"))
        #expect(script.contains("192.0.2.7 . tcp . 80 : goto ext-default/b/tcp/http"))
    }
}
