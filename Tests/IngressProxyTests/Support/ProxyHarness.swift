import IngressProxy
import KubeAPI
import Logging
import NIOCore
import NIOPosix

/// The proxy on 127.0.0.1 ephemeral ports (HTTP and TLS) with routes set by the test, on one
/// event loop so every request shares one endpoint connection pool.
struct ProxyHarness {
    static let logger = Logger(label: "ingress-test", factory: { _ in SwiftLogNoOpLogHandler() })

    let routes: FixedIngressRoutes
    let server: IngressProxyServer
    let httpPort: Int
    let httpsPort: Int

    static func with(idleTimeout: TimeAmount = .seconds(180), _ body: (ProxyHarness) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let routes = FixedIngressRoutes()
        let configuration = IngressProxyConfiguration(
            listeners: [.init(host: "127.0.0.1", port: 0, tls: false), .init(host: "127.0.0.1", port: 0, tls: true)],
            clientIdleTimeout: idleTimeout)
        let server = IngressProxyServer(
            configuration: configuration, routes: routes,
            certificates: try IngressCertificateStore(defaultName: configuration.defaultCertificateName, logger: logger),
            group: group, logger: logger)
        let bound = try await server.start()
        let harness = ProxyHarness(
            routes: routes, server: server, httpPort: bound.first { !$0.listener.tls }?.address.port ?? 0,
            httpsPort: bound.first { $0.listener.tls }?.address.port ?? 0)
        do {
            try await body(harness)
        } catch {
            await server.stop()
            try? await group.shutdownGracefully()
            throw error
        }
        await server.stop()
        try? await group.shutdownGracefully()
    }

    /// Routes compiled from `ingresses`, with each named Service's endpoint(s) on loopback.
    func route(
        _ ingresses: [NetworkingV1.Ingress], backends: [String: [Int]], secrets: [CoreV1.Secret] = []
    ) -> [IngressRouteCompiler.Problem] {
        let services = backends.keys.map { IngressFixtures.service($0) }
        let slices = backends.flatMap { name, ports in
            ports.enumerated().map { index, port in
                IngressFixtures.slice("\(name)-\(index)", service: name, ports: [("http", port)], endpoints: [("127.0.0.1", true)])
            }
        }
        let (table, problems) = IngressRouteCompiler.compile(
            ingresses, lookup: IngressFixtures.lookup(services: services, slices: slices, secrets: secrets))
        routes.set(table)
        return problems
    }

    /// A port nothing listens on.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 1
        try await channel.close()
        return port
    }
}
