import Testing
@testable import APIServer

/// The `ipv4`, `ipv6` and `cidr` formats accept and refuse what upstream's schema validation
/// does: `ipv4` and `cidr` read leniently (leading zeros pass), `ipv6` strictly.
@Suite struct SchemaFormatsTests {
    @Test(arguments: [
        ("10.0.0.1", true), ("0.0.0.0", true), ("255.255.255.255", true),
        ("010.0.0.1", true), ("10.0.0.001", true), ("::ffff:10.0.0.1", true),
        ("10.0.0.256", false), ("10.0.0", false), ("10.0.0.1.2", false), ("fd00::1", false),
        ("10.0.0.1 ", false), ("", false), ("a.b.c.d", false), ("10.0.0.-1", false),
    ])
    func ipv4(text: String, valid: Bool) {
        #expect(SchemaFormats.isValid(text, format: "ipv4") == valid)
    }

    @Test(arguments: [
        ("fd00::1", true), ("::", true), ("::1", true), ("2001:DB8::1", true), ("::ffff:1.2.3.4", true),
        ("1:2:3:4:5:6:7:8", true),
        ("1.2.3.4", false), ("fe80::1%eth0", false), ("::ffff:01.2.3.4", false), ("00001::", false),
        ("1::2::3", false), ("1:2:3:4:5:6:7:8:9", false), ("::g", false), ("", false),
    ])
    func ipv6(text: String, valid: Bool) {
        #expect(SchemaFormats.isValid(text, format: "ipv6") == valid)
    }

    @Test(arguments: [
        ("10.0.0.0/8", true), ("10.0.0.1/8", true), ("0.0.0.0/0", true), ("10.0.0.0/32", true),
        ("010.0.0.0/08", true), ("fd00::/64", true), ("fd00::1/128", true), ("::ffff:1.2.3.4/120", true),
        ("10.0.0.0", false), ("10.0.0.0/33", false), ("fd00::/129", false), ("10.0.0.0/", false),
        ("10.0.0.0/-1", false), ("/8", false), ("fe80::%eth0/64", false), ("10.0.0/8", false),
    ])
    func cidr(text: String, valid: Bool) {
        #expect(SchemaFormats.isValid(text, format: "cidr") == valid)
    }
}
