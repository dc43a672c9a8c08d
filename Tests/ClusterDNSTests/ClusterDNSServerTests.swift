import ClusterTesting
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import ClusterDNS

@Suite("Cluster DNS server over loopback")
struct ClusterDNSServerTests {
    static let logger = Logger(label: "dns-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Runs `body` with a server on 127.0.0.1 answering the fixture cluster, forwarding to `upstream`.
    func withServer(
        source: any DNSRecordSource = DNSFixtures.source(), upstream: [SocketAddress] = [], timeout: TimeAmount = .milliseconds(300),
        _ body: (ClusterDNSServer.Running) async throws -> Void
    ) async throws {
        let server = ClusterDNSServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            resolver: ClusterDNSResolver(configuration: ClusterDNSConfiguration(nameserverAddresses: [IPAddress("10.43.0.10")!], shuffleAddresses: false)),
            source: source, forwarder: upstream.isEmpty ? nil : DNSForwarder(servers: upstream, attemptTimeout: timeout), logger: Self.logger)
        let running = try await server.start()
        do {
            try await body(running)
        } catch {
            await running.stop()
            throw error
        }
        await running.stop()
    }

    func ask(_ address: SocketAddress, _ name: DNSName, _ type: DNSRecordType, tcp: Bool = false, edns: DNSEDNS? = nil) async throws -> (DNSMessage, Int) {
        let bytes = try DNSMessage.query(id: 4242, name: name, type: type, edns: edns).encode()
        let reply = try await DNSForwarder(servers: [address], attemptTimeout: .seconds(5))
            .exchange(bytes, tcp: tcp, on: MultiThreadedEventLoopGroup.singleton.next()).get()
        return (try DNSMessage.decode(reply), reply.count)
    }

    @Test func answersOverUDPAndTCP() async throws {
        try await withServer { server in
            let (udp, _) = try await ask(server.udpAddress, "web.default.svc.cluster.local", .a)
            #expect(udp.id == 4242 && udp.isResponse && udp.isAuthoritative)
            #expect(udp.answers.map(\.summary) == ["A 10.43.0.20"])
            let (tcp, _) = try await ask(server.tcpAddress, "_http._tcp.web.default.svc.cluster.local", .srv, tcp: true)
            #expect(tcp.answers.map(\.summary) == ["SRV 0 100 80 web.default.svc.cluster.local."])
            #expect(tcp.additionals.map(\.summary) == ["A 10.43.0.20"])
            let (missing, _) = try await ask(server.udpAddress, "gone.default.svc.cluster.local", .a)
            #expect(missing.responseCode == .nameError && missing.authorities.count == 1)
        }
    }

    @Test func truncatesOverUDPAndAnswersInFullOverTCP() async throws {
        let source = DNSFixtures.source()
        source.apply(DNSFixtures.service("many", headless: true))
        source.apply(DNSFixtures.slice("many-1", service: "many", endpoints: (0..<120).map { ("10.42.9.\($0)", nil, true) }))
        try await withServer(source: source) { server in
            let (plain, plainSize) = try await ask(server.udpAddress, "many.default.svc.cluster.local", .a)
            #expect(plain.isTruncated && plainSize <= 512 && plain.answers.count < 120)
            let (large, largeSize) = try await ask(server.udpAddress, "many.default.svc.cluster.local", .a, edns: DNSEDNS(udpPayloadSize: 4096))
            #expect(large.isTruncated && largeSize <= 1232 && largeSize > 512 && large.edns != nil)
            let (full, _) = try await ask(server.tcpAddress, "many.default.svc.cluster.local", .a, tcp: true)
            #expect(!full.isTruncated && full.answers.count == 120)
        }
    }

    @Test func followsChangesOfTheSource() async throws {
        let source = DNSFixtures.source()
        try await withServer(source: source) { server in
            source.apply(DNSFixtures.service("late", clusterIPs: ["10.43.0.99"]))
            try await eventually("the new Service answers", timeout: .seconds(10)) {
                try await ask(server.udpAddress, "late.default.svc.cluster.local", .a).0.answers.map(\.summary) == ["A 10.43.0.99"]
            }
        }
    }

    @Test func forwardsOtherNamesAndChasesExternalNames() async throws {
        let upstream = try await FakeUpstream.start(records: ["example.com": IPAddress("93.184.216.34")!])
        defer { Task { await upstream.stop() } }
        try await withServer(upstream: [upstream.address]) { server in
            let (forwarded, _) = try await ask(server.udpAddress, "example.com", .a)
            #expect(forwarded.id == 4242 && forwarded.answers.map(\.summary) == ["A 93.184.216.34"])
            let (overTCP, _) = try await ask(server.tcpAddress, "example.com", .a, tcp: true)
            #expect(overTCP.answers.map(\.summary) == ["A 93.184.216.34"])
            let (unknown, _) = try await ask(server.udpAddress, "nothing.example", .a)
            #expect(unknown.responseCode == .nameError)
            let (chased, _) = try await ask(server.udpAddress, "ext.default.svc.cluster.local", .a)
            #expect(chased.answers.map(\.summary) == ["CNAME example.com.", "A 93.184.216.34"])
            let (reverse, _) = try await ask(server.udpAddress, "34.216.184.93.in-addr.arpa", .ptr)
            #expect(reverse.responseCode == .nameError)
        }
    }

    @Test func aSilentUpstreamGivesServerFailure() async throws {
        let upstream = try await FakeUpstream.start(records: [:], silent: true)
        defer { Task { await upstream.stop() } }
        try await withServer(upstream: [upstream.address], timeout: .milliseconds(200)) { server in
            let (failed, _) = try await ask(server.udpAddress, "example.com", .a)
            #expect(failed.responseCode == .serverFailure && failed.id == 4242)
            #expect(upstream.queries.load(ordering: .relaxed) >= 1)
            // Cluster names do not wait for the upstream.
            #expect(try await ask(server.udpAddress, "web.default.svc.cluster.local", .a).0.answers.count == 1)
        }
    }

    @Test func malformedQueriesGetFormatErrorAndTheServerGoesOn() async throws {
        try await withServer { server in
            // A header announcing one question, and a label running past the end.
            let broken: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61]
            let reply = try await DNSForwarder(servers: [server.udpAddress], attemptTimeout: .seconds(5))
                .exchange(broken, tcp: false, on: MultiThreadedEventLoopGroup.singleton.next()).get()
            let decoded = try DNSMessage.decode(reply)
            #expect(decoded.responseCode == .formatError && decoded.id == 0x1234 && decoded.isResponse)
            #expect(try await ask(server.udpAddress, "web.default.svc.cluster.local", .a).0.answers.count == 1)
        }
    }

    /// busybox's nslookup as an outside client.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs /bin/busybox"))
    func busyboxNslookupResolvesAServiceName() async throws {
        try await withServer { server in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/busybox")
            process.arguments = ["nslookup", "-type=a", "-port=\(server.udpAddress.port!)", "web.default.svc.cluster.local", "127.0.0.1"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(output.contains("10.43.0.20"), "\(output)")
        }
    }
}

