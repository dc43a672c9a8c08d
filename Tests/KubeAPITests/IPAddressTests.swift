import Foundation
import KubeAPI
import Testing

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
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
        ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"),
        ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1:0:0:2:0:0:3:4", "1::2:0:0:3:4"),
        ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
        ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
        ("2001:db8::", "2001:db8::"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("::FFFF:0102:0304", "::ffff:1.2.3.4"),
        ("::1.2.3.4", "::102:304"),
        ("64:ff9b::192.0.2.33", "64:ff9b::c000:221"),
        ("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"),
    ])
    func parsesAndPrintsCanonically(text: String, canonical: String) throws {
        let address = try IPAddress(parsing: text)
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
        #expect(IPAddress(bytes: address.bytes) == address)
        #expect(address.family == (text.contains(":") ? .ipv6 : .ipv4))
    }

    @Test(arguments: [
        ("", "empty"),
        ("localhost", "expected a dotted-decimal IPv4"),
        ("1.2.3", "four decimal fields"),
        ("1.2.3.4.5", "four decimal fields"),
        ("1..2.3", "empty"),
        ("256.1.1.1", "larger than 255"),
        ("01.2.3.4", "leading zero"),
        ("1.2.3.00", "leading zero"),
        ("1.2.3.-4", "not a decimal number"),
        ("a.b.c.d", "not a decimal number"),
        (" 1.2.3.4", "not a decimal number"),
        ("1.2.3.4 ", "not a decimal number"),
        ("1.2.3.4:80", "not a decimal number"),
        ("1.2.3.４", "not a decimal number"),
        (":::", "empty"),
        (":1::", "empty"),
        ("1::2:", "empty"),
        ("1:2:3:4:5:6:7:", "empty"),
        ("1::2::3", "only once"),
        ("1:2:3:4:5:6:7", "eight groups"),
        ("1:2:3:4:5:6:7:8:9", "eight groups"),
        ("1:2:3:4:5:6:7::8", "at least one zero group"),
        ("1:2:3:4::5:6:7:8", "at least one zero group"),
        ("12345::", "more than four hex digits"),
        ("00001::", "more than four hex digits"),
        ("::g", "not a hex number"),
        ("fe80::1%eth0", "zones"),
        ("1.2.3.4::", "not a decimal number"),
        ("::1.2.3.4:5", "may only end"),
        ("::ffff:01.2.3.4", "leading zero"),
        ("::ffff:1.2.3", "four decimal fields"),
        ("1:2:3:4:5:6:7:1.2.3.4", "eight groups"),
        ("[::1]", "not a hex number"),
    ])
    func refusesMalformed(text: String, reasonContains: String) {
        #expect(IPAddress(text) == nil)
        do {
            _ = try IPAddress(parsing: text)
            Issue.record("expected \(text) to be refused")
        } catch {
            #expect(error.text == text)
            #expect(error.description.hasPrefix("invalid IP address \"\(text)\": "))
            #expect(error.reason.contains(reasonContains), "\(error)")
        }
    }

    @Test(arguments: [
        ("010.0.0.1", "10.0.0.1"),
        ("0000010.000.0.01", "10.0.0.1"),
        ("00001::", "1::"),
        ("::ffff:001.002.003.004", "::ffff:1.2.3.4"),
        ("10.0.0.1", "10.0.0.1"),
    ])
    func legacySyntaxReadsLeadingZerosAsDecimal(text: String, canonical: String) throws {
        #expect(try IPAddress(parsing: text, syntax: .legacy).description == canonical)
    }

    @Test(arguments: ["256.0.0.1", "0400.0.0.1", "10000::", "fe80::1%eth0", "1.2.3", "::1::"])
    func legacySyntaxStillRefusesTheRest(text: String) {
        #expect(throws: IPAddress.ParseError.self) { try IPAddress(parsing: text, syntax: .legacy) }
    }

    @Test func classifiesAddresses() throws {
        #expect(IPAddress("127.0.0.1")!.isLoopback)
        #expect(IPAddress("127.8.0.3")!.isLoopback)
        #expect(IPAddress("::1")!.isLoopback)
        #expect(!IPAddress("10.0.0.1")!.isLoopback)
        #expect(!IPAddress("::ffff:127.0.0.1")!.isLoopback)
        #expect(IPAddress("0.0.0.0")!.isUnspecified)
        #expect(IPAddress("::")!.isUnspecified)
        #expect(IPAddress("::ffff:1.2.3.4")!.isIPv4Mapped)
        #expect(!IPAddress("::1.2.3.4")!.isIPv4Mapped)
        #expect(IPAddress.ipv4Loopback.description == "127.0.0.1")
        #expect(IPAddress.ipv6Loopback.description == "::1")
        #expect(IPAddress("10.0.0.1")!.value == 0x0A00_0001)
        #expect(IPAddress("10.0.0.1")!.bitWidth == 32)
        #expect(IPAddress("::")!.bitWidth == 128)
        #expect(IPAddress.Family.ipv6.rawValue == "IPv6")
    }

    @Test func convertsBytes() {
        #expect(IPAddress("10.1.2.3")!.bytes == [10, 1, 2, 3])
        #expect(IPAddress("fd00::1")!.bytes == [0xFD, 0] + Array(repeating: 0, count: 13) + [1])
        #expect(IPAddress(bytes: [192, 168, 0, 1]) == IPAddress("192.168.0.1"))
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(bytes: []) == nil)
    }

    @Test func ordersIPv4FirstThenByValue() {
        let sorted = ["::1", "10.0.0.2", "255.255.255.255", "10.0.0.10", "::"].map { IPAddress($0)! }.sorted()
        #expect(sorted.map(\.description) == ["10.0.0.2", "10.0.0.10", "255.255.255.255", "::", "::1"])
        #expect(IPAddress("0.0.0.1")! != IPAddress("::1")!)
    }

    @Test func advancesWithinTheFamily() {
        #expect(IPAddress("10.0.0.255")!.advanced(by: 1) == IPAddress("10.0.1.0"))
        #expect(IPAddress("255.255.255.254")!.advanced(by: 1) == IPAddress("255.255.255.255"))
        #expect(IPAddress("255.255.255.255")!.advanced(by: 1) == nil)
        #expect(IPAddress("::ffff:ffff:ffff")!.advanced(by: 1) == IPAddress("::1:0:0:0"))
        #expect(IPAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")!.advanced(by: 1) == nil)
    }

    @Test func codesAsCanonicalText() throws {
        let addresses = [IPAddress("10.0.0.1")!, IPAddress("2001:DB8::1")!]
        let data = try JSONEncoder().encode(addresses)
        #expect(String(decoding: data, as: UTF8.self) == #"["10.0.0.1","2001:db8::1"]"#)
        #expect(try JSONDecoder().decode([IPAddress].self, from: data) == addresses)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([IPAddress].self, from: Data(#"["010.0.0.1"]"#.utf8)) }
    }
}
