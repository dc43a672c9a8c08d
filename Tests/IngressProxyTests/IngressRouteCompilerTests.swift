import KubeAPI
import NIOCore
import Testing

@testable import IngressProxy

@Suite("Ingress route compilation")
struct IngressRouteCompilerTests {
    /// Each Service `sN` has one ready endpoint 10.42.0.N:8080, so the chosen endpoint names
    /// the Service.
    static func lookup(_ count: Int = 9) -> IngressRouteCompiler.Lookup {
        let services = (1...count).map { IngressFixtures.service("s\($0)") }
        let slices = (1...count).map { IngressFixtures.slice("s\($0)-a", service: "s\($0)", ports: [("http", 8080)], endpoints: [("10.42.0.\($0)", true)]) }
        return IngressFixtures.lookup(services: services, slices: slices)
    }

    func routed(_ table: IngressRouteTable, _ host: String, _ path: String) -> String? {
        table.backend(host: host, path: path)?.service
    }

    @Test func pathTypesMatchAsUpstreamDescribes() {
        let cases: [(String, String, String, Bool)] = [
            ("/foo", "Exact", "/foo", true), ("/foo", "Exact", "/foo/", false), ("/foo", "Exact", "/bar", false),
            ("/foo", "Prefix", "/foo", true), ("/foo", "Prefix", "/foo/", true), ("/foo", "Prefix", "/foo/bar", true),
            ("/foo", "Prefix", "/foobar", false), ("/foo/", "Prefix", "/foo", true), ("/", "Prefix", "/anything/at/all", true),
            ("/aaa/bb", "Prefix", "/aaa/bbb", false), ("/aaa/bbb", "Prefix", "/aaa/bbb/ccc", true),
            ("/foo", "ImplementationSpecific", "/foo/bar", true), ("/foo", "ImplementationSpecific", "/foobar", false),
        ]
        for (rule, type, request, expected) in cases {
            #expect(IngressPathRule(path: rule, pathType: type).matches(request[...]) == expected, "\(type) \(rule) against \(request)")
        }
    }

    @Test func hostsPathsDefaultsAndPrecedence() {
        let ingresses = [
            IngressFixtures.ingress("a", created: 100, rules: [
                (host: "foo.example.com", paths: [IngressFixtures.path("/", service: "s1"), IngressFixtures.path("/api", service: "s2")]),
                (host: "*.example.com", paths: [IngressFixtures.path("/", service: "s3")]),
                (host: nil, paths: [IngressFixtures.path("/static", service: "s4")]),
            ]),
            IngressFixtures.ingress("b", created: 200, rules: [
                (host: "foo.example.com", paths: [
                    IngressFixtures.path("/api", "Exact", service: "s5"), IngressFixtures.path("/", service: "s6"),
                    IngressFixtures.path("/api/v2", service: "s7"),
                ]),
            ], defaultBackend: IngressFixtures.backend("s8")),
            IngressFixtures.ingress("c", created: 300, defaultBackend: IngressFixtures.backend("s9")),
        ]
        let (table, problems) = IngressRouteCompiler.compile(ingresses, lookup: Self.lookup())
        #expect(problems.isEmpty)
        // Exact host; the older Ingress wins "/" (Prefix, equal), Exact beats Prefix at equal length.
        #expect(routed(table, "foo.example.com", "/") == "default/s1")
        #expect(routed(table, "FOO.example.com:8080", "/x?q=1") == "default/s1")
        #expect(routed(table, "foo.example.com", "/api") == "default/s5")
        #expect(routed(table, "foo.example.com", "/api/x") == "default/s2")
        #expect(routed(table, "foo.example.com", "/api/v2/x") == "default/s7")
        // A wildcard covers exactly one more label.
        #expect(routed(table, "bar.example.com", "/") == "default/s3")
        #expect(routed(table, "a.bar.example.com", "/static/x") == "default/s4")
        #expect(routed(table, "example.com", "/nothing") == "default/s8")
        // No host: any host; then the oldest default backend.
        #expect(routed(table, "other.test", "/static/app.js") == "default/s4")
        #expect(routed(table, "other.test", "/staticx") == "default/s8")
        // Endpoints are the slice's target port for the Service port's name.
        #expect(table.backend(host: "foo.example.com", path: "/")?.endpoints == [try! SocketAddress(ipAddress: "10.42.0.1", port: 8080)])
        #expect(table.servedIngresses == ["default/a", "default/b", "default/c"])
    }

    @Test func noMatchWithoutDefaultIsNil() {
        let (table, _) = IngressRouteCompiler.compile(
            [IngressFixtures.ingress("a", rules: [(host: "a.test", paths: [IngressFixtures.path("/", service: "s1")])])], lookup: Self.lookup())
        #expect(table.backend(host: "b.test", path: "/") == nil)
        #expect(IngressRouteTable().backend(host: "a.test", path: "/") == nil)
    }

    @Test func missingServicesPortsAndSecretsAreProblemsNotFailures() {
        let ingress = IngressFixtures.ingress("broken", rules: [
            (host: "a.test", paths: [IngressFixtures.path("/", service: "gone"), IngressFixtures.path("/p", service: "s1", port: 81)]),
        ], tls: [NetworkingV1.IngressTLS(hosts: ["a.test"], secretName: "no-secret")])
        let (table, problems) = IngressRouteCompiler.compile([ingress], lookup: Self.lookup(1))
        #expect(Set(problems.map(\.reason)) == ["ServiceNotFound", "ServicePortNotFound", "SecretNotFound"])
        let target = table.backend(host: "a.test", path: "/")
        #expect(target?.endpoints.isEmpty == true)
        #expect(target?.problem?.contains("not found") == true)
        #expect(table.certificate(serverName: "a.test") == nil)
    }

    @Test func endpointReadinessAndNamedPorts() {
        let service = IngressFixtures.service("web", ports: [("http", 80), ("admin", 9000)])
        let slices = [
            IngressFixtures.slice("web-1", service: "web", ports: [("http", 8080), ("admin", 9090)], endpoints: [("10.42.0.2", true), ("10.42.0.1", nil), ("10.42.0.3", false)]),
        ]
        var path = IngressFixtures.path("/", service: "web")
        path.backend?.service?.port = NetworkingV1.ServiceBackendPort(name: "admin")
        let (table, problems) = IngressRouteCompiler.compile(
            [IngressFixtures.ingress("i", rules: [(host: nil, paths: [path])])], lookup: IngressFixtures.lookup(services: [service], slices: slices))
        #expect(problems.isEmpty)
        let endpoints = table.backend(host: "x", path: "/")?.endpoints.map { "\($0.ipAddress ?? ""):\($0.port ?? 0)" }
        #expect(endpoints == ["10.42.0.1:9090", "10.42.0.2:9090"])
    }

    @Test func tlsHostsChooseCertificates() throws {
        let certificate = try SelfSignedCertificate(commonName: "a.test")
        let secrets = [IngressFixtures.tlsSecret("a-tls", certificate), IngressFixtures.tlsSecret("wild-tls", certificate, version: "7")]
        let ingress = IngressFixtures.ingress("i", rules: [(host: "a.test", paths: [IngressFixtures.path("/", service: "s1")])], tls: [
            NetworkingV1.IngressTLS(hosts: ["a.test"], secretName: "a-tls"), NetworkingV1.IngressTLS(hosts: ["*.wild.test"], secretName: "wild-tls"),
        ])
        let (table, problems) = IngressRouteCompiler.compile(
            [ingress], lookup: IngressFixtures.lookup(services: [IngressFixtures.service("s1")], slices: [], secrets: secrets))
        #expect(problems.isEmpty)
        #expect(table.certificate(serverName: "A.test")?.secret == "default/a-tls")
        #expect(table.certificate(serverName: "x.wild.test")?.version == "7")
        #expect(table.certificate(serverName: "x.y.wild.test") == nil)
        #expect(table.certificate(serverName: "b.test") == nil)
    }

    @Test func classPolicyServesOwnAliasAndDefaultClasses() {
        let policy = IngressClassPolicy()
        var legacy = IngressFixtures.ingress("legacy", className: nil)
        legacy.metadata.annotations = [IngressClassPolicy.legacyClassAnnotation: "traefik"]
        let ingresses = [
            IngressFixtures.ingress("ours"), IngressFixtures.ingress("alias", className: "traefik"),
            IngressFixtures.ingress("other", className: "nginx"), IngressFixtures.ingress("none", className: nil), legacy,
            IngressFixtures.ingress("custom", className: "mine"),
        ]
        let custom = NetworkingV1.IngressClass(metadata: MetaV1.ObjectMeta(name: "mine"), spec: .init(controller: policy.controllerName))
        let withoutDefault = policy.served(ingresses, classes: [custom]).compactMap(\.metadata.name)
        #expect(withoutDefault == ["ours", "alias", "legacy", "custom"])
        let withDefault = policy.served(ingresses, classes: [custom, policy.ingressClass()]).compactMap(\.metadata.name)
        #expect(withDefault == ["ours", "alias", "none", "legacy", "custom"])
    }
}
