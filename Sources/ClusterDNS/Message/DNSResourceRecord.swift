import KubeAPI

/// One question: a name, a type and a class.
public struct DNSQuestion: Sendable, Hashable {
    /// The name asked for, in the case it was asked.
    public var name: DNSName
    /// The type asked for.
    public var type: DNSRecordType
    /// The class (1, `IN`, for every query the resolver answers).
    public var recordClass: UInt16

    /// Creates a question.
    public init(name: DNSName, type: DNSRecordType, recordClass: UInt16 = dnsClassInternet) {
        self.name = name
        self.type = type
        self.recordClass = recordClass
    }
}

/// The data of a start-of-authority record.
public struct DNSSOA: Sendable, Hashable {
    /// The primary name server.
    public var primary: DNSName
    /// The mailbox of the responsible person (`hostmaster.ZONE`).
    public var mailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The TTL of negative answers (RFC 2308).
    public var minimum: UInt32

    /// Creates the data.
    public init(primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32, minimum: UInt32) {
        self.primary = primary
        self.mailbox = mailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// The data of a record, by type.
public enum DNSRecordData: Sendable, Hashable {
    /// An IPv4 address (type A).
    case a(IPAddress)
    /// An IPv6 address (type AAAA).
    case aaaa(IPAddress)
    /// An alias's canonical name.
    case cname(DNSName)
    /// A name server.
    case ns(DNSName)
    /// A pointer (reverse lookups).
    case ptr(DNSName)
    /// A service location.
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    /// Character strings of at most 255 bytes each.
    case txt([[UInt8]])
    /// A start of authority.
    case soa(DNSSOA)
    /// Any other type, as its raw bytes (names inside are not decompressed).
    case unknown(DNSRecordType, [UInt8])

    /// The record type of this data.
    public var type: DNSRecordType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .cname: .cname
        case .ns: .ns
        case .ptr: .ptr
        case .srv: .srv
        case .txt: .txt
        case .soa: .soa
        case .unknown(let type, _): type
        }
    }
}

/// A resource record of the answer, authority or additional section (an OPT record is carried by
/// ``DNSMessage/edns`` instead).
public struct DNSResourceRecord: Sendable, Hashable {
    /// The owner name.
    public var name: DNSName
    /// The class (1, `IN`).
    public var recordClass: UInt16
    /// Seconds the record may be cached.
    public var ttl: UInt32
    /// The typed data.
    public var data: DNSRecordData

    /// The record's type.
    public var type: DNSRecordType { data.type }

    /// Creates a record.
    public init(name: DNSName, ttl: UInt32, data: DNSRecordData, recordClass: UInt16 = dnsClassInternet) {
        self.name = name
        self.recordClass = recordClass
        self.ttl = ttl
        self.data = data
    }
}

/// The EDNS(0) pseudo-record of a message (RFC 6891).
public struct DNSEDNS: Sendable, Hashable {
    /// The largest UDP payload the sender can take.
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code.
    public var extendedResponseCode: UInt8
    /// The EDNS version (0).
    public var version: UInt8
    /// The DNSSEC OK bit.
    public var dnssecOK: Bool
    /// The options, as their raw bytes (code, length, data, repeated).
    public var options: [UInt8]

    /// Creates the pseudo-record.
    public init(udpPayloadSize: UInt16, extendedResponseCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false, options: [UInt8] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCode = extendedResponseCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }
}
