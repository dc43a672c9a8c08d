/// A DNS message (RFC 1035 section 4): the header's fields, the questions and the three record
/// sections. ``decode(_:)`` and ``encode(maximumSize:)`` convert it from and to the wire format.
public struct DNSMessage: Sendable, Hashable {
    /// Matches a response to its query.
    public var id: UInt16
    /// QR: a response (`true`) or a query.
    public var isResponse: Bool
    /// The kind of query (0, a standard query).
    public var opcode: UInt8
    /// AA: the answer comes from a server authoritative for the name.
    public var isAuthoritative: Bool
    /// TC: the message was cut to fit the transport.
    public var isTruncated: Bool
    /// RD: the client asks for recursion.
    public var recursionDesired: Bool
    /// RA: the server offers recursion.
    public var recursionAvailable: Bool
    /// AD (RFC 4035): the data is authenticated.
    public var authenticData: Bool
    /// CD (RFC 4035): the client disables checking.
    public var checkingDisabled: Bool
    /// The response code (its low 4 bits; the upper bits travel in ``edns``).
    public var responseCode: DNSResponseCode
    /// The questions (one in practice).
    public var questions: [DNSQuestion]
    /// The answer section.
    public var answers: [DNSResourceRecord]
    /// The authority section.
    public var authorities: [DNSResourceRecord]
    /// The additional section, without the OPT pseudo-record.
    public var additionals: [DNSResourceRecord]
    /// The OPT pseudo-record, when the message has one.
    public var edns: DNSEDNS?

    /// Creates a message; every flag off and every section empty unless given.
    public init(
        id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, isAuthoritative: Bool = false, isTruncated: Bool = false,
        recursionDesired: Bool = false, recursionAvailable: Bool = false, authenticData: Bool = false, checkingDisabled: Bool = false,
        responseCode: DNSResponseCode = .noError, questions: [DNSQuestion] = [], answers: [DNSResourceRecord] = [],
        authorities: [DNSResourceRecord] = [], additionals: [DNSResourceRecord] = [], edns: DNSEDNS? = nil
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.authorities = authorities
        self.additionals = additionals
        self.edns = edns
    }

    /// A query for one name and type, recursion desired.
    public static func query(id: UInt16, name: DNSName, type: DNSRecordType, edns: DNSEDNS? = nil) -> DNSMessage {
        DNSMessage(id: id, recursionDesired: true, questions: [DNSQuestion(name: name, type: type)], edns: edns)
    }

    /// The start of the response to this query: same ID, opcode, RD, CD and questions; QR set.
    public func response(code: DNSResponseCode = .noError) -> DNSMessage {
        DNSMessage(
            id: id, isResponse: true, opcode: opcode, recursionDesired: recursionDesired, checkingDisabled: checkingDisabled,
            responseCode: code, questions: questions)
    }

    /// The 16 flag bits of the header.
    var flags: UInt16 {
        var flags = UInt16(opcode & 0x0F) << 11 | UInt16(responseCode.rawValue)
        if isResponse { flags |= 0x8000 }
        if isAuthoritative { flags |= 0x0400 }
        if isTruncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        return flags
    }

    /// Sets the header's flag fields from their 16 bits (the Z bit is dropped).
    mutating func setFlags(_ flags: UInt16) {
        isResponse = flags & 0x8000 != 0
        opcode = UInt8(flags >> 11 & 0x0F)
        isAuthoritative = flags & 0x0400 != 0
        isTruncated = flags & 0x0200 != 0
        recursionDesired = flags & 0x0100 != 0
        recursionAvailable = flags & 0x0080 != 0
        authenticData = flags & 0x0020 != 0
        checkingDisabled = flags & 0x0010 != 0
        responseCode = DNSResponseCode(rawValue: UInt8(flags & 0x0F))
    }
}
