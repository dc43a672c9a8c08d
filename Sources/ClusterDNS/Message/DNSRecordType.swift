/// A record type (RFC 1035 `TYPE`/`QTYPE`): the ones this module reads and writes by name,
/// any other by number.
public struct DNSRecordType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// An IPv4 address.
    public static let a = DNSRecordType(rawValue: 1)
    /// An authoritative name server.
    public static let ns = DNSRecordType(rawValue: 2)
    /// The canonical name of an alias.
    public static let cname = DNSRecordType(rawValue: 5)
    /// The start of a zone of authority.
    public static let soa = DNSRecordType(rawValue: 6)
    /// A domain name pointer (reverse lookups).
    public static let ptr = DNSRecordType(rawValue: 12)
    /// Mail exchange.
    public static let mx = DNSRecordType(rawValue: 15)
    /// Text strings.
    public static let txt = DNSRecordType(rawValue: 16)
    /// An IPv6 address.
    public static let aaaa = DNSRecordType(rawValue: 28)
    /// A service location (RFC 2782).
    public static let srv = DNSRecordType(rawValue: 33)
    /// The EDNS(0) pseudo-record (RFC 6891).
    public static let opt = DNSRecordType(rawValue: 41)
    /// Incremental zone transfer.
    public static let ixfr = DNSRecordType(rawValue: 251)
    /// Full zone transfer.
    public static let axfr = DNSRecordType(rawValue: 252)
    /// Every type (`*`).
    public static let any = DNSRecordType(rawValue: 255)

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .soa: "SOA"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        case .srv: "SRV"
        case .opt: "OPT"
        case .ixfr: "IXFR"
        case .axfr: "AXFR"
        case .any: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}

/// A response code (the header's 4-bit `RCODE`).
public struct DNSResponseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    /// No error.
    public static let noError = DNSResponseCode(rawValue: 0)
    /// The query could not be interpreted.
    public static let formatError = DNSResponseCode(rawValue: 1)
    /// The server could not answer (an upstream failed, the cluster state is not read yet).
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    /// The name does not exist (NXDOMAIN).
    public static let nameError = DNSResponseCode(rawValue: 3)
    /// The kind of query is not supported.
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    /// The server refuses the operation (zone transfers).
    public static let refused = DNSResponseCode(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 0: "NOERROR"
        case 1: "FORMERR"
        case 2: "SERVFAIL"
        case 3: "NXDOMAIN"
        case 4: "NOTIMP"
        case 5: "REFUSED"
        default: "RCODE\(rawValue)"
        }
    }
}

/// The `IN` class; the only one the resolver answers.
public let dnsClassInternet: UInt16 = 1
