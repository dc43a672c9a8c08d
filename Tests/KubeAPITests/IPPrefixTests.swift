import Foundation
import KubeAPI
import Testing

@Suite struct IPPrefixTests {
    @Test(arguments: [
        ("10.43.0.0/16", "10.43.0.0/16", "10.43.0.0/16", true),
        ("10.43.7.9/16", "10.43.7.9/16", "10.43.0.0/16", false),
        ("0.0.0.0/0", "0.0.0.0/0", "0.0.0.0/0", true),
        ("192.168.1.1/32", "192.168.1.1/32", "192.168.1.1/32", true),
        ("FD00:43::5/112", "fd00:43::5/112", "fd00:43::/112", false),
        ("2001:db8:ffff::/33", "2001:db8:ffff::/33", "2001:db8:8000::/33", false),
        ("::/0", "::/0", "::/0", true),
        ("::1/128", "::1/128", "::1/128", true),
        ("::ffff:10.1.2.3/104", "::ffff:10.1.2.3/104", "::ffff:10.0.0.0/104", false),
    ])
    func parsesAndMasks(text: String, written: String, masked: String, isMasked: Bool) throws {
        let prefix = try IPPrefix(parsing: text)
        #expect(prefix.description == written)
        #expect(prefix.masked.description == masked)
        #expect(prefix.isMasked == isMasked)
        #expect(prefix.masked.isMasked)
        #expect(IPPrefix(written) == prefix)
    }

    @Test(arguments: [
        ("10.43.0.0", "ADDRESS/LENGTH"),
        ("", "ADDRESS/LENGTH"),
        ("10.43.0.0/33", "0 to 32"),
        ("fd00::/129", "0 to 128"),
        ("10.43.0.0/-1", "0 to 32"),
        ("10.43.0.0/+8", "0 to 32"),
        ("10.43.0.0/1x", "0 to 32"),
        ("10.43.0.0/", "0 to 32"),
        ("10.43.0.0/016", "0 to 32"),
        ("10.43.0.0/16/2", "0 to 32"),
        ("10.43.0.0/ 16", "0 to 32"),
        ("10.43.0/16", "not an IPv4 or IPv6 address: an IPv4 address has four"),
        ("010.43.0.0/16", "leading zero"),
        ("/16", "not an IPv4 or IPv6 address"),
        ("fe80::%eth0/64", "zones"),
        ("a/b", "not an IPv4 or IPv6 address"),
    ])
    func refusesMalformed(text: String, reasonContains: String) {
        #expect(IPPrefix(text) == nil)
        do {
            _ = try IPPrefix(parsing: text)
            Issue.record("expected \(text) to be refused")
        } catch {
            #expect(error.text == text)
            #expect(error.description.hasPrefix("invalid CIDR \"\(text)\": "))
            #expect(error.reason.contains(reasonContains), "\(error)")
        }
    }

    @Test func legacySyntaxAllowsLeadingZeros() throws {
        #expect(try IPPrefix(parsing: "010.043.0.0/016", syntax: .legacy).description == "10.43.0.0/16")
        #expect(throws: IPPrefix.ParseError.self) { try IPPrefix(parsing: "10.43.0.0/33", syntax: .legacy) }
        #expect(throws: IPPrefix.ParseError.self) { try IPPrefix(parsing: "10.43.0.0/", syntax: .legacy) }
    }

    @Test func buildsFromParts() throws {
        #expect(try IPPrefix(address: IPAddress("10.0.0.0")!, length: 8).description == "10.0.0.0/8")
        #expect(throws: IPPrefix.ParseError(.prefix, text: "10.0.0.0/33", reason: "the prefix length must be a number from 0 to 32")) {
            try IPPrefix(address: IPAddress("10.0.0.0")!, length: 33)
        }
        #expect(throws: IPPrefix.ParseError.self) { try IPPrefix(address: IPAddress("::")!, length: -1) }
    }

    @Test func networkAndLastAddress() throws {
        let v4 = try IPPrefix(parsing: "10.42.7.9/16")
        #expect(v4.network == IPAddress("10.42.0.0"))
        #expect(v4.lastAddress == IPAddress("10.42.255.255"))
        #expect(v4.hostBitCount == 16)
        #expect(v4.family == .ipv4)
        let host = try IPPrefix(parsing: "10.42.7.9/32")
        #expect(host.network == host.lastAddress)
        let all = try IPPrefix(parsing: "0.0.0.0/0")
        #expect(all.lastAddress == IPAddress("255.255.255.255"))
        let v6 = try IPPrefix(parsing: "fd00:42::1/64")
        #expect(v6.network == IPAddress("fd00:42::"))
        #expect(v6.lastAddress == IPAddress("fd00:42::ffff:ffff:ffff:ffff"))
        #expect(try IPPrefix(parsing: "::/0").lastAddress == IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
    }

    @Test func containsAddressesAndPrefixes() throws {
        let cidr = try IPPrefix(parsing: "10.43.0.0/16")
        #expect(cidr.contains(IPAddress("10.43.0.0")!))
        #expect(cidr.contains(IPAddress("10.43.255.255")!))
        #expect(!cidr.contains(IPAddress("10.44.0.0")!))
        #expect(!cidr.contains(IPAddress("10.42.255.255")!))
        #expect(!cidr.contains(IPAddress("::a2b:0")!))
        #expect(!cidr.contains(IPAddress("::ffff:10.43.0.1")!))
        #expect(cidr.contains(try IPPrefix(parsing: "10.43.3.0/24")))
        #expect(cidr.contains(cidr))
        #expect(!cidr.contains(try IPPrefix(parsing: "10.0.0.0/8")))
        #expect(try IPPrefix(parsing: "0.0.0.0/0").contains(IPAddress("1.2.3.4")!))
        #expect(!(try IPPrefix(parsing: "::/0").contains(IPAddress("1.2.3.4")!)))
    }

    @Test(arguments: [
        ("10.42.0.0/16", "10.43.0.0/16", false),
        ("10.42.0.0/16", "10.42.128.0/17", true),
        ("10.0.0.0/8", "10.43.0.0/16", true),
        ("10.42.0.0/16", "10.42.0.0/16", true),
        ("10.42.0.0/24", "10.42.1.0/24", false),
        ("0.0.0.0/0", "::/0", false),
        ("fd00::/8", "fd42::/16", true),
    ])
    func overlapIsSymmetric(a: String, b: String, overlaps: Bool) throws {
        let first = try IPPrefix(parsing: a), second = try IPPrefix(parsing: b)
        #expect(first.overlaps(second) == overlaps)
        #expect(second.overlaps(first) == overlaps)
    }

    @Test func addressesByOffset() throws {
        let cidr = try IPPrefix(parsing: "10.43.0.0/16")
        #expect(cidr.address(at: 0) == IPAddress("10.43.0.0"))
        #expect(cidr.address(at: 10) == IPAddress("10.43.0.10"))
        #expect(cidr.address(at: 65535) == IPAddress("10.43.255.255"))
        #expect(cidr.address(at: 65536) == nil)
        #expect(cidr.offset(of: IPAddress("10.43.1.2")!) == 258)
        #expect(cidr.offset(of: IPAddress("10.44.0.0")!) == nil)
        let written = try IPPrefix(parsing: "10.43.9.9/16")
        #expect(written.address(at: 1) == IPAddress("10.43.0.1"))
        let v6 = try IPPrefix(parsing: "fd00::/120")
        #expect(v6.address(at: 10) == IPAddress("fd00::a"))
        #expect(v6.address(at: 256) == nil)
        #expect(v6.offset(of: IPAddress("fd00::ff")!) == 255)
        let all = try IPPrefix(parsing: "::/0")
        #expect(all.address(at: .max) == IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
        #expect(all.offset(of: IPAddress("::1:0:0:0:0")!) == UInt128(1) << 64)
        #expect(try IPPrefix(parsing: "1.2.3.4/32").address(at: 1) == nil)
    }

    @Test func cutsSubnets() throws {
        let cluster = try IPPrefix(parsing: "10.42.0.0/16")
        #expect(cluster.subnetCount(length: 24) == 256)
        #expect(cluster.subnetCount(length: 16) == 1)
        #expect(cluster.subnetCount(length: 15) == nil)
        #expect(cluster.subnetCount(length: 33) == nil)
        #expect(cluster.subnet(at: 0, length: 24)?.description == "10.42.0.0/24")
        #expect(cluster.subnet(at: 3, length: 24)?.description == "10.42.3.0/24")
        #expect(cluster.subnet(at: 255, length: 24)?.description == "10.42.255.0/24")
        #expect(cluster.subnet(at: 256, length: 24) == nil)
        #expect(cluster.subnet(at: 0, length: 8) == nil)
        #expect(cluster.index(ofSubnet: try IPPrefix(parsing: "10.42.3.0/24")) == 3)
        #expect(cluster.index(ofSubnet: try IPPrefix(parsing: "10.42.3.7/24")) == nil)
        #expect(cluster.index(ofSubnet: try IPPrefix(parsing: "10.43.3.0/24")) == nil)
        #expect(cluster.index(ofSubnet: try IPPrefix(parsing: "10.0.0.0/8")) == nil)
        #expect(cluster.subnets(length: 18).map(\.description) == ["10.42.0.0/18", "10.42.64.0/18", "10.42.128.0/18", "10.42.192.0/18"])
        #expect(Array(cluster.subnets(length: 8)).isEmpty)
        #expect(Array(try IPPrefix(parsing: "10.0.0.0/30").subnets(length: 32)).count == 4)

        let v6 = try IPPrefix(parsing: "fd00:42::/56")
        #expect(v6.subnetCount(length: 64) == 256)
        #expect(v6.subnet(at: 255, length: 64)?.description == "fd00:42:0:ff::/64")
        let all = try IPPrefix(parsing: "::/0")
        #expect(all.subnetCount(length: 128) == nil)
        #expect(all.subnetCount(length: 127) == UInt128(1) << 127)
        #expect(all.subnet(at: .max, length: 128)?.description == "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128")
        #expect(all.index(ofSubnet: try IPPrefix(parsing: "::2/128")) == 2)
        #expect(Array(all.subnets(length: 128).prefix(2)).map(\.description) == ["::/128", "::1/128"])
    }

    @Test func ordersByAddressThenLength() throws {
        let sorted = try ["fd00::/8", "10.42.0.0/24", "10.42.0.0/16", "10.0.0.0/8"].map { try IPPrefix(parsing: $0) }.sorted()
        #expect(sorted.map(\.description) == ["10.0.0.0/8", "10.42.0.0/16", "10.42.0.0/24", "fd00::/8"])
    }

    @Test func codesAsText() throws {
        let prefixes = [try IPPrefix(parsing: "10.42.0.0/16"), try IPPrefix(parsing: "FD00::1/64")]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = try encoder.encode(prefixes)
        #expect(String(decoding: data, as: UTF8.self) == #"["10.42.0.0/16","fd00::1/64"]"#)
        #expect(try JSONDecoder().decode([IPPrefix].self, from: data) == prefixes)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([IPPrefix].self, from: Data(#"["10.42.0.0"]"#.utf8)) }
    }
}
