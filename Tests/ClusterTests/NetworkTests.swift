import Testing
@testable import Cluster

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("10.43.0.1", "10.43.0.1"),
        ("0.0.0.0", "0.0.0.0"),
        ("255.255.255.255", "255.255.255.255"),
        ("::1", "::1"),
        ("::", "::"),
        ("fd00:43::1", "fd00:43::1"),
        ("2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:0:0:0:2:1", "2001:db8::2:1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("::ffff:1.2.3.4", "::ffff:102:304"),
        ("2001:db8::", "2001:db8::"),
    ])
    func parsesAndPrintsCanonically(text: String, canonical: String) throws {
        let address = try #require(IPAddress(text))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
        #expect(IPAddress(bytes: address.bytes) == address)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "a.b.c.d", " 1.2.3.4",
        ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "fe80::1%eth0", "::g", "1:2:3:4:5:6:7::8:9", "localhost",
    ])
    func refusesMalformed(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func classifiesLoopbackAndUnspecified() {
        #expect(IPAddress("127.0.0.1")!.isLoopback)
        #expect(IPAddress("127.8.0.3")!.isLoopback)
        #expect(IPAddress("::1")!.isLoopback)
        #expect(!IPAddress("10.0.0.1")!.isLoopback)
        #expect(IPAddress("0.0.0.0")!.isUnspecified)
        #expect(IPAddress("::")!.isUnspecified)
    }

    @Test func hostFactsAreSane() {
        let name = HostNetwork.hostName()
        #expect(!name.isEmpty)
        #expect(name == name.lowercased())
        let advertise = HostNetwork.defaultAdvertiseAddress()
        guard case .v4 = advertise else {
            Issue.record("the default advertise address must be IPv4, got \(advertise)")
            return
        }
        let nonLoopback = HostNetwork.interfaceIPv4Addresses().filter { !IPAddress.v4($0).isLoopback }
        #expect(advertise == (nonLoopback.first.map(IPAddress.v4) ?? IPAddress("127.0.0.1")!))
    }
}

@Suite struct CIDRTests {
    @Test(arguments: [
        ("10.43.0.0/16", "10.43.0.0/16"),
        ("10.43.7.9/16", "10.43.0.0/16"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("192.168.1.1/32", "192.168.1.1/32"),
        ("fd00:43::5/112", "fd00:43::/112"),
        ("2001:db8:ffff::/33", "2001:db8:8000::/33"),
    ])
    func parsesAndMasks(text: String, expected: String) throws {
        #expect(try CIDR(parsing: text).description == expected)
    }

    @Test(arguments: [
        ("10.43.0.0", "ADDRESS/PREFIX"),
        ("10.43.0.0/33", "0 to 32"),
        ("fd00::/129", "0 to 128"),
        ("10.43.0.0/-1", "0 to 32"),
        ("10.43.0.0/1x", "0 to 32"),
        ("10.43.0/16", "not an IPv4 or IPv6 address"),
        ("10.43.0.0/16/2", "ADDRESS/PREFIX"),
        ("/16", "not an IPv4 or IPv6 address"),
    ])
    func refusesMalformed(text: String, reasonContains: String) {
        do {
            _ = try CIDR(parsing: text)
            Issue.record("expected \(text) to be refused")
        } catch {
            #expect(error.text == text)
            #expect(error.description.contains(reasonContains), "\(error)")
        }
    }

    @Test func containsAndOffsets() throws {
        let cidr = try CIDR(parsing: "10.43.0.0/16")
        #expect(cidr.contains(IPAddress("10.43.255.255")!))
        #expect(!cidr.contains(IPAddress("10.44.0.0")!))
        #expect(!cidr.contains(IPAddress("::1")!))
        #expect(cidr.address(at: 65535) == IPAddress("10.43.255.255"))
        #expect(cidr.address(at: 65536) == nil)
        let v6 = try CIDR(parsing: "fd00::/120")
        #expect(v6.address(at: 10) == IPAddress("fd00::a"))
        #expect(v6.address(at: 256) == nil)
    }

    @Test(arguments: [
        ("10.43.0.0/16", "10.43.0.1", "10.43.0.10"),
        ("10.96.0.0/12", "10.96.0.1", "10.96.0.10"),
        ("172.16.5.0/28", "172.16.5.1", "172.16.5.10"),
        ("fd00:43::/112", "fd00:43::1", "fd00:43::a"),
    ])
    func serviceRangeReservedAddresses(cidr: String, first: String, dns: String) throws {
        let range = try ServiceIPRange(CIDR(parsing: cidr))
        #expect(range.apiServerServiceIP == IPAddress(first))
        #expect(range.dnsServiceIP == IPAddress(dns))
        #expect(range.contains(IPAddress(dns)!))
    }

    @Test(arguments: ["10.43.0.0/29", "10.43.0.0/32", "fd00::/125"])
    func serviceRangeTooSmall(cidr: String) throws {
        let parsed = try CIDR(parsing: cidr)
        #expect(throws: ServiceIPRange.TooSmall(cidr: parsed)) { try ServiceIPRange(parsed) }
    }
}
