import KubeAPI
import Scheduler
import Testing

@testable import ClusterDNS

@Suite("DNS message codec")
struct DNSMessageCodecTests {
    static let every: DNSMessage = {
        var message = DNSMessage(
            id: 0xBEEF, isResponse: true, opcode: 0, isAuthoritative: true, isTruncated: false, recursionDesired: true,
            recursionAvailable: true, authenticData: true, checkingDisabled: true, responseCode: .nameError,
            questions: [DNSQuestion(name: "Web.Default.svc.cluster.local", type: .a)])
        let owner: DNSName = "web.default.svc.cluster.local"
        message.answers = [
            DNSResourceRecord(name: owner, ttl: 5, data: .a(IPAddress("10.43.0.20")!)),
            DNSResourceRecord(name: owner, ttl: 5, data: .aaaa(IPAddress("fd00::20")!)),
            DNSResourceRecord(name: "ext.default.svc.cluster.local", ttl: 5, data: .cname("example.com")),
            DNSResourceRecord(name: "_http._tcp.web.default.svc.cluster.local", ttl: 5, data: .srv(priority: 0, weight: 100, port: 80, target: owner)),
            DNSResourceRecord(name: "20.0.43.10.in-addr.arpa", ttl: 5, data: .ptr(owner)),
            DNSResourceRecord(name: "dns-version.cluster.local", ttl: 28800, data: .txt([Array("1.1.0".utf8), [], Array(repeating: 0x41, count: 255)])),
            DNSResourceRecord(name: "x.cluster.local", ttl: 1, data: .unknown(DNSRecordType(rawValue: 99), [1, 2, 3])),
        ]
        message.authorities = [
            DNSResourceRecord(name: "cluster.local", ttl: 5, data: .soa(DNSSOA(
                primary: "ns.dns.cluster.local", mailbox: "hostmaster.cluster.local", serial: 42, refresh: 7200, retry: 1800,
                expire: 86400, minimum: 5))),
            DNSResourceRecord(name: "cluster.local", ttl: 5, data: .ns("ns.dns.cluster.local")),
        ]
        message.additionals = [DNSResourceRecord(name: "ns.dns.cluster.local", ttl: 5, data: .a(IPAddress("10.43.0.10")!))]
        message.edns = DNSEDNS(udpPayloadSize: 1232, extendedResponseCode: 0, version: 0, dnssecOK: true, options: [0, 10, 0, 2, 1, 2])
        return message
    }()

    @Test func roundTripsEveryRecordKindAndFlag() throws {
        let bytes = try Self.every.encode()
        let decoded = try DNSMessage.decode(bytes)
        #expect(decoded == Self.every)
        // Names keep the case they were written in.
        #expect(decoded.questions[0].name.labels[0] == Array("Web".utf8))
        #expect(try decoded.encode() == bytes)
    }

    @Test func compressesRepeatedNames() throws {
        let bytes = try Self.every.encode()
        // `cluster.local` is written in full twice: in the question, and in the SRV target (never
        // compressed, RFC 2782); every other use is a pointer.
        let suffix: [UInt8] = [7] + Array("cluster".utf8) + [5] + Array("local".utf8) + [0]
        let occurrences = (0...(bytes.count - suffix.count)).filter { Array(bytes[$0..<($0 + suffix.count)]) == suffix }
        #expect(occurrences.count == 2)
        // The owner of the first answer is a pointer to the question's name (offset 12).
        let questionEnd = 12 + Self.every.questions[0].name.wireLength + 4
        #expect(Array(bytes[questionEnd..<(questionEnd + 2)]) == [0xC0, 12])
    }

    @Test func encodesTheHeaderBits() throws {
        let query = DNSMessage.query(id: 0x1234, name: "a.b", type: .aaaa)
        let bytes = try query.encode()
        #expect(Array(bytes[0..<12]) == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        var response = query.response(code: .serverFailure)
        response.isAuthoritative = true
        let header = try response.encode()
        #expect(header[2] == 0x85 && header[3] == 0x02)
    }

    @Test func truncatesAnswersToTheLimitAndSetsTC() throws {
        var response = DNSMessage.query(id: 7, name: "big.default.svc.cluster.local", type: .a).response()
        response.answers = (0..<100).map { DNSResourceRecord(name: "big.default.svc.cluster.local", ttl: 5, data: .a(IPAddress(ipv4: 0x0A2A_0000 + UInt32($0)))) }
        response.authorities = [DNSResourceRecord(name: "cluster.local", ttl: 5, data: .ns("ns.dns.cluster.local"))]
        response.edns = DNSEDNS(udpPayloadSize: 512)
        let bytes = try response.encode(maximumSize: 512)
        #expect(bytes.count <= 512)
        let decoded = try DNSMessage.decode(bytes)
        #expect(decoded.isTruncated)
        #expect(decoded.answers.count == (512 - 11 - 12 - 35) / 16)
        #expect(decoded.authorities.isEmpty)
        #expect(decoded.edns?.udpPayloadSize == 512)
        // In full over TCP.
        let full = try DNSMessage.decode(try response.encode())
        #expect(!full.isTruncated && full.answers.count == 100 && full.authorities.count == 1)
    }

    @Test func droppingAdditionalRecordsAloneDoesNotSetTC() throws {
        var response = DNSMessage.query(id: 7, name: "_http._tcp.web.default.svc.cluster.local", type: .srv).response()
        response.answers = [DNSResourceRecord(name: "_http._tcp.web.default.svc.cluster.local", ttl: 5, data: .srv(priority: 0, weight: 100, port: 80, target: "web.default.svc.cluster.local"))]
        response.additionals = (0..<60).map { DNSResourceRecord(name: "web.default.svc.cluster.local", ttl: 5, data: .a(IPAddress(ipv4: UInt32($0)))) }
        let decoded = try DNSMessage.decode(try response.encode(maximumSize: 512))
        #expect(!decoded.isTruncated)
        #expect(decoded.answers.count == 1)
        #expect(decoded.additionals.count < 60 && !decoded.additionals.isEmpty)
    }

    @Test(arguments: [
        ("empty", [UInt8]()),
        ("short header", [0, 1, 0, 0, 0, 1]),
        ("question count with no question", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]),
        ("label past the end", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 0x61, 0x62, 0]),
        ("pointer to itself", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1]),
        ("forward pointer", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 14, 1, 0x61, 0, 0, 1, 0, 1]),
        ("reserved label type", [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 1, 0, 1]),
        ("A record of 3 bytes", [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 3, 1, 2, 3]),
        ("record data past the end", [0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2]),
        ("huge counts", [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
    ] as [(String, [UInt8])])
    func malformedMessagesThrow(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: DNSMessageError.self, "\(name)") { try DNSMessage.decode(bytes) }
    }

    @Test func aNameLongerThan255BytesIsRefused() {
        var bytes: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { bytes += [63] + Array(repeating: 0x61, count: 63) }
        bytes += [0, 0, 1, 0, 1]
        #expect(throws: DNSMessageError.self) { try DNSMessage.decode(bytes) }
        #expect(throws: DNSMessageError.self) { try DNSName(String(repeating: "a.", count: 130)) }
        #expect(throws: DNSMessageError.self) { try DNSName(String(repeating: "a", count: 64)) }
    }

    /// Random, truncated and bit-flipped packets: each either decodes or throws, never traps.
    @Test func fuzzedPacketsNeverCrash() throws {
        var generator = SplitMix64(seed: 0x5EED)
        let valid = try Self.every.encode()
        var decoded = 0
        var failed = 0
        for round in 0..<6000 {
            var bytes: [UInt8]
            switch round % 3 {
            case 0:
                bytes = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if bytes.count >= 12, round % 2 == 0 { bytes[4] = 0; bytes[5] = 1 }
            case 1:
                bytes = Array(valid.prefix(Int.random(in: 0..<valid.count, using: &generator)))
            default:
                bytes = valid
                for _ in 0..<Int.random(in: 1...8, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            do {
                let message = try DNSMessage.decode(bytes)
                _ = try? message.encode()
                decoded += 1
            } catch {
                failed += 1
            }
        }
        #expect(failed > 1000)
        #expect(decoded + failed == 6000)
    }
}
