import KubeAPI
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import ClusterDNS

@Suite("Cluster DNS resolver")
struct ClusterDNSResolverTests {
    static let resolver = ClusterDNSResolver(
        configuration: ClusterDNSConfiguration(nameserverAddresses: [IPAddress("10.43.0.10")!], shuffleAddresses: false))
    static let index = DNSFixtures.source().currentIndex

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var type: DNSRecordType
        var code: DNSResponseCode
        var answers: [String]
        var additionals: [String] = []
        var testDescription: String { "\(type) \(name)" }
    }

    static let cases: [Case] = [
        // ClusterIP Services.
        Case(name: "web.default.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.43.0.20"]),
        Case(name: "WEB.Default.SVC.Cluster.Local", type: .a, code: .noError, answers: ["A 10.43.0.20"]),
        Case(name: "web.default.svc.cluster.local", type: .aaaa, code: .noError, answers: []),
        Case(name: "dual.default.svc.cluster.local", type: .aaaa, code: .noError, answers: ["AAAA fd00:43::30"]),
        Case(name: "dual.default.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.43.0.30"]),
        Case(name: "missing.default.svc.cluster.local", type: .a, code: .nameError, answers: []),
        Case(name: "web.nowhere.svc.cluster.local", type: .a, code: .nameError, answers: []),
        // Headless: the ready endpoints only; none ready is NXDOMAIN.
        Case(name: "db.default.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.42.0.5", "A 10.42.1.6"]),
        Case(name: "lonely.default.svc.cluster.local", type: .a, code: .nameError, answers: []),
        // Endpoint names: hostname (StatefulSet pods through their headless Service) or dashed address.
        Case(name: "db-0.db.default.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.42.0.5"]),
        Case(name: "10-42-1-6.db.default.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.42.1.6"]),
        Case(name: "db-2.db.default.svc.cluster.local", type: .a, code: .nameError, answers: []),
        Case(name: "web-0.nginx.apps.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.42.3.8"]),
        Case(name: "nginx.apps.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.42.3.8"]),
        // SRV: named ports, the addresses in the additional section.
        Case(
            name: "_http._tcp.web.default.svc.cluster.local", type: .srv, code: .noError,
            answers: ["SRV 0 100 80 web.default.svc.cluster.local."], additionals: ["A 10.43.0.20"]),
        Case(
            name: "_dns._udp.web.default.svc.cluster.local", type: .srv, code: .noError,
            answers: ["SRV 0 100 53 web.default.svc.cluster.local."], additionals: ["A 10.43.0.20"]),
        Case(name: "_http._udp.web.default.svc.cluster.local", type: .srv, code: .nameError, answers: []),
        Case(
            name: "web.default.svc.cluster.local", type: .srv, code: .noError,
            answers: ["SRV 0 33 80 web.default.svc.cluster.local.", "SRV 0 33 9090 web.default.svc.cluster.local.", "SRV 0 33 53 web.default.svc.cluster.local."],
            additionals: ["A 10.43.0.20"]),
        Case(
            name: "_pg._tcp.db.default.svc.cluster.local", type: .srv, code: .noError,
            answers: ["SRV 0 50 5432 db-0.db.default.svc.cluster.local.", "SRV 0 50 5432 10-42-1-6.db.default.svc.cluster.local."],
            additionals: ["A 10.42.0.5", "A 10.42.1.6"]),
        Case(name: "_pg._tcp.db.default.svc.cluster.local", type: .a, code: .noError, answers: ["A 10.42.0.5", "A 10.42.1.6"]),
        // ExternalName: a CNAME; inside the zone it is followed.
        Case(name: "ext.default.svc.cluster.local", type: .cname, code: .noError, answers: ["CNAME example.com."]),
        Case(name: "alias.default.svc.cluster.local", type: .a, code: .noError, answers: ["CNAME web.default.svc.cluster.local.", "A 10.43.0.20"]),
        Case(name: "ext.default.svc.cluster.local", type: .srv, code: .noError, answers: []),
        Case(name: "web.default.svc.cluster.local", type: .cname, code: .noError, answers: []),
        // Pods (`pods insecure`): the address in the name, in any existing namespace.
        Case(name: "10-42-0-9.default.pod.cluster.local", type: .a, code: .noError, answers: ["A 10.42.0.9"]),
        Case(name: "fd00--9.apps.pod.cluster.local", type: .aaaa, code: .noError, answers: ["AAAA fd00::9"]),
        Case(name: "10-42-0-9.default.pod.cluster.local", type: .aaaa, code: .noError, answers: []),
        Case(name: "not-an-ip.default.pod.cluster.local", type: .a, code: .nameError, answers: []),
        Case(name: "10-42-0-9.nowhere.pod.cluster.local", type: .a, code: .nameError, answers: []),
        // The structure of the zone.
        Case(name: "default.svc.cluster.local", type: .a, code: .noError, answers: []),
        Case(name: "nowhere.svc.cluster.local", type: .a, code: .nameError, answers: []),
        Case(name: "svc.cluster.local", type: .a, code: .noError, answers: []),
        Case(name: "cluster.local", type: .a, code: .noError, answers: []),
        Case(name: "foo.cluster.local", type: .a, code: .nameError, answers: []),
        Case(name: "a.b.c.web.default.svc.cluster.local", type: .a, code: .nameError, answers: []),
        Case(name: "cluster.local", type: .soa, code: .noError, answers: ["SOA ns.dns.cluster.local. hostmaster.cluster.local. 5"]),
        Case(name: "web.default.svc.cluster.local", type: .soa, code: .noError, answers: []),
        Case(name: "cluster.local", type: .ns, code: .noError, answers: ["NS ns.dns.cluster.local."], additionals: ["A 10.43.0.10"]),
        Case(name: "ns.dns.cluster.local", type: .a, code: .noError, answers: ["A 10.43.0.10"]),
        Case(name: "dns-version.cluster.local", type: .txt, code: .noError, answers: ["TXT 1.1.0"]),
        Case(name: "web.default.svc.cluster.local", type: .txt, code: .noError, answers: []),
        Case(name: "missing.default.svc.cluster.local", type: .txt, code: .nameError, answers: []),
        Case(name: "web.default.svc.cluster.local", type: .mx, code: .noError, answers: []),
        Case(name: "missing.default.svc.cluster.local", type: .mx, code: .nameError, answers: []),
        Case(name: "cluster.local", type: .axfr, code: .refused, answers: []),
        // Reverse names of cluster IPs and endpoints.
        Case(name: "20.0.43.10.in-addr.arpa", type: .ptr, code: .noError, answers: ["PTR web.default.svc.cluster.local."]),
        Case(name: "5.0.42.10.in-addr.arpa", type: .ptr, code: .noError, answers: ["PTR db-0.db.default.svc.cluster.local."]),
        Case(
            name: reverseName("fd00:43::30"), type: .ptr, code: .noError,
            answers: ["PTR dual.default.svc.cluster.local."]),
    ]

    /// The `ip6.arpa` name of an IPv6 address.
    static func reverseName(_ text: String) -> String {
        let value = IPAddress(text)!.value
        return (0..<32).map { String(UInt8(truncatingIfNeeded: value >> UInt128(4 * $0)) & 0x0F, radix: 16) }.joined(separator: ".") + ".ip6.arpa"
    }

    @Test(arguments: cases)
    func answersLikeCoreDNS(_ test: Case) throws {
        let query = DNSMessage.query(id: 99, name: try DNSName(test.name), type: test.type)
        guard case .answer(let response) = Self.resolver.resolve(query, index: Self.index) else {
            Issue.record("not answered locally")
            return
        }
        #expect(response.id == 99 && response.isResponse)
        #expect(response.responseCode == test.code)
        #expect(response.answers.map(\.summary) == test.answers)
        #expect(response.additionals.map(\.summary) == test.additionals)
        if test.code != .refused { #expect(response.isAuthoritative) }
        if response.answers.isEmpty, test.code == .noError || test.code == .nameError {
            // NXDOMAIN and NODATA carry the zone's SOA, its TTL the negative-caching time.
            #expect(response.authorities.map(\.summary) == ["SOA ns.dns.cluster.local. hostmaster.cluster.local. 5"])
            #expect(response.authorities.first?.name == "cluster.local")
        }
        for record in response.answers where record.type != .txt { #expect(record.ttl == 5) }
        // Owners keep the case of the question.
        for record in response.answers where record.type != .soa {
            #expect(record.name.labels == query.questions[0].name.labels || record.type == .a && test.type == .a)
        }
    }

    @Test(arguments: [
        ("example.com", DNSRecordType.a), ("cluster.local.example.com", .a), ("1.1.168.192.in-addr.arpa", .ptr), ("20.0.43.10.in-addr.arpa", .a),
    ])
    func forwardsNamesItDoesNotOwn(_ name: String, _ type: DNSRecordType) throws {
        let result = Self.resolver.resolve(DNSMessage.query(id: 1, name: try DNSName(name), type: type), index: Self.index)
        guard case .forward = result else {
            Issue.record("answered \(name) locally")
            return
        }
    }

    @Test func chasesAnExternalNameOutsideTheZone() throws {
        let query = DNSMessage.query(id: 5, name: "ext.default.svc.cluster.local", type: .a)
        guard case .chase(let response, let cname, let target, let type) = Self.resolver.resolve(query, index: Self.index) else {
            Issue.record("no chase")
            return
        }
        #expect(target == "example.com" && type == .a && cname.summary == "CNAME example.com.")
        var upstream = DNSMessage.query(id: 1, name: target, type: .a).response()
        upstream.answers = [DNSResourceRecord(name: target, ttl: 300, data: .a(IPAddress("93.184.216.34")!))]
        let answered = Self.resolver.complete(response, cname: cname, upstream: upstream, index: Self.index)
        #expect(answered.answers.map(\.summary) == ["CNAME example.com.", "A 93.184.216.34"])
        let failed = Self.resolver.complete(response, cname: cname, upstream: nil, index: Self.index)
        #expect(failed.responseCode == .noError && failed.answers.isEmpty && failed.authorities.count == 1)
    }

    @Test func anUnknownNameBeforeTheFirstSyncIsAServerFailure() throws {
        let source = InMemoryDNSRecordSource(synced: false)
        let response = try #require(answer(Self.resolver, "web.default.svc.cluster.local", .a, source.currentIndex))
        #expect(response.responseCode == .serverFailure)
    }

    @Test func anotherClusterDomainAndPodRecordsOff() throws {
        let resolver = ClusterDNSResolver(configuration: ClusterDNSConfiguration(zone: "k3s.internal", podRecords: false))
        #expect(try #require(answer(resolver, "web.default.svc.k3s.internal", .a, Self.index)).answers.map(\.summary) == ["A 10.43.0.20"])
        #expect(try #require(answer(resolver, "10-42-0-9.default.pod.k3s.internal", .a, Self.index)).responseCode == .nameError)
        guard case .forward = resolver.resolve(DNSMessage.query(id: 1, name: "web.default.svc.cluster.local", type: .a), index: Self.index) else {
            Issue.record("the old zone is still answered")
            return
        }
    }

    @Test func changesShowInTheNextIndex() throws {
        let source = DNSFixtures.source()
        source.removeService(name: "web", namespace: "default")
        #expect(try #require(answer(Self.resolver, "web.default.svc.cluster.local", .a, source.currentIndex)).responseCode == .nameError)
        #expect(answer(Self.resolver, "20.0.43.10.in-addr.arpa", .ptr, source.currentIndex) == nil)
        source.apply(DNSFixtures.slice("db-abc", service: "db", endpoints: [("10.42.0.5", "db-0", false)]))
        #expect(try #require(answer(Self.resolver, "db.default.svc.cluster.local", .a, source.currentIndex)).responseCode == .nameError)
        source.removeNamespace("apps")
        #expect(try #require(answer(Self.resolver, "nginx.apps.svc.cluster.local", .a, source.currentIndex)).responseCode == .nameError)
    }

    /// The local answer, or `nil` when the query would be forwarded or chased.
    func answer(_ resolver: ClusterDNSResolver, _ name: DNSName, _ type: DNSRecordType, _ index: DNSRecordIndex) -> DNSMessage? {
        guard case .answer(let response) = resolver.resolve(DNSMessage.query(id: 1, name: name, type: type), index: index) else { return nil }
        return response
    }
}

@Suite("Cluster DNS query handling")
struct DNSQueryProcessorTests {
    static let processor = DNSQueryProcessor(
        resolver: ClusterDNSResolver(), forwarder: nil, maximumUDPPayload: 1232,
        logger: .init(label: "dns", factory: { _ in SwiftLogNoOpLogHandler() }))
    static let index = DNSFixtures.source().currentIndex

    func reply(_ query: DNSMessage, tcp: Bool = false) throws -> DNSMessage? {
        guard case .now(let bytes) = Self.processor.process(try query.encode(), index: Self.index, tcp: tcp, on: MultiThreadedEventLoopGroup.singleton.next()) else { return nil }
        return try DNSMessage.decode(bytes)
    }

    @Test func unsupportedOpcodesAndEmptyQueries() throws {
        var notify = DNSMessage.query(id: 3, name: "web.default.svc.cluster.local", type: .a)
        notify.opcode = 4
        #expect(try reply(notify)?.responseCode == .notImplemented)
        #expect(try reply(DNSMessage(id: 4))?.responseCode == .formatError)
        var response = DNSMessage.query(id: 5, name: "web.default.svc.cluster.local", type: .a)
        response.isResponse = true
        #expect(try reply(response) == nil)
    }

    @Test func edns() throws {
        let withEDNS = try #require(try reply(DNSMessage.query(id: 6, name: "web.default.svc.cluster.local", type: .a, edns: DNSEDNS(udpPayloadSize: 4096, dnssecOK: true))))
        #expect(withEDNS.edns?.udpPayloadSize == 1232 && withEDNS.edns?.dnssecOK == true && withEDNS.answers.count == 1)
        let future = try #require(try reply(DNSMessage.query(id: 7, name: "web.default.svc.cluster.local", type: .a, edns: DNSEDNS(udpPayloadSize: 4096, version: 1))))
        #expect(future.edns?.extendedResponseCode == 1 && future.responseCode == .noError && future.answers.isEmpty)
        let without = try #require(try reply(DNSMessage.query(id: 8, name: "web.default.svc.cluster.local", type: .a)))
        #expect(without.edns == nil)
    }

    @Test func namesOutsideTheZoneWithNoUpstreamAreServerFailures() throws {
        #expect(try reply(DNSMessage.query(id: 9, name: "example.com", type: .a))?.responseCode == .serverFailure)
    }
}
