import KubeAPI

extension DNSMessage {
    /// Decodes a message from its wire format. Every length, count and compression pointer is
    /// checked: a malformed message throws, it never reads outside `bytes` nor loops. Bytes after
    /// the last announced record are ignored (as most servers do).
    public static func decode(_ bytes: some Collection<UInt8>) throws(DNSMessageError) -> DNSMessage {
        var reader = DNSReader(bytes: Array(bytes))
        return try reader.readMessage()
    }

    /// The ID and flags of a message too broken to decode, when at least its header is there.
    public static func header(of bytes: [UInt8]) -> (id: UInt16, flags: UInt16)? {
        guard bytes.count >= 12 else { return nil }
        return (UInt16(bytes[0]) << 8 | UInt16(bytes[1]), UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
    }
}

/// Reads the wire format from a byte array.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    /// Compression pointers followed within one name, at most (each must point backwards, so a
    /// loop is impossible; this bounds the work on a long backward chain).
    static let maximumPointers = 64

    mutating func readMessage() throws(DNSMessageError) -> DNSMessage {
        let id = try readUInt16("header")
        let flags = try readUInt16("header")
        let counts = [try readUInt16("header"), try readUInt16("header"), try readUInt16("header"), try readUInt16("header")]
        var message = DNSMessage(id: id)
        message.setFlags(flags)
        // Every question takes at least 5 bytes and every record 11: refuse counts the message
        // cannot hold before reserving anything.
        let remaining = bytes.count - offset
        guard Int(counts[0]) * 5 + (Int(counts[1]) + Int(counts[2]) + Int(counts[3])) * 11 <= remaining else {
            throw .truncated("sections (counts \(counts))")
        }
        for _ in 0..<counts[0] {
            let name = try readName()
            message.questions.append(DNSQuestion(name: name, type: DNSRecordType(rawValue: try readUInt16("question type")), recordClass: try readUInt16("question class")))
        }
        for _ in 0..<counts[1] { message.answers.append(try readRecord(into: &message)) }
        for _ in 0..<counts[2] { message.authorities.append(try readRecord(into: &message)) }
        for _ in 0..<counts[3] {
            let record = try readRecord(into: &message)
            if case .unknown(.opt, _) = record.data { continue }
            message.additionals.append(record)
        }
        return message
    }

    /// One record; an OPT record sets `message.edns` and comes back as `.unknown(.opt, [])`.
    mutating func readRecord(into message: inout DNSMessage) throws(DNSMessageError) -> DNSResourceRecord {
        let name = try readName()
        let type = DNSRecordType(rawValue: try readUInt16("record type"))
        let recordClass = try readUInt16("record class")
        let ttl = try readUInt32("record ttl")
        let length = Int(try readUInt16("record length"))
        guard length <= bytes.count - offset else { throw .truncated("\(type) data") }
        let end = offset + length
        let data: DNSRecordData
        switch type {
        case .a:
            guard length == 4 else { throw .invalidRecord(type.rawValue, "\(length) bytes, not 4") }
            data = .a(IPAddress(bytes: bytes[offset..<end])!)
            offset = end
        case .aaaa:
            guard length == 16 else { throw .invalidRecord(type.rawValue, "\(length) bytes, not 16") }
            data = .aaaa(IPAddress(bytes: bytes[offset..<end])!)
            offset = end
        case .cname, .ns, .ptr:
            let target = try readName(within: end)
            data = type == .cname ? .cname(target) : type == .ns ? .ns(target) : .ptr(target)
        case .srv:
            guard length >= 7 else { throw .invalidRecord(type.rawValue, "\(length) bytes") }
            let priority = try readUInt16("SRV priority"), weight = try readUInt16("SRV weight"), port = try readUInt16("SRV port")
            data = .srv(priority: priority, weight: weight, port: port, target: try readName(within: end))
        case .soa:
            let primary = try readName(within: end)
            let mailbox = try readName(within: end)
            guard end - offset == 20 else { throw .invalidRecord(type.rawValue, "SOA numbers take \(end - offset) bytes, not 20") }
            data = .soa(DNSSOA(
                primary: primary, mailbox: mailbox, serial: try readUInt32("SOA"), refresh: try readUInt32("SOA"),
                retry: try readUInt32("SOA"), expire: try readUInt32("SOA"), minimum: try readUInt32("SOA")))
        case .txt:
            var strings: [[UInt8]] = []
            while offset < end {
                let count = Int(bytes[offset])
                guard count <= end - offset - 1 else { throw .invalidRecord(type.rawValue, "string past the record's end") }
                strings.append(Array(bytes[(offset + 1)..<(offset + 1 + count)]))
                offset += 1 + count
            }
            data = .txt(strings)
        case .opt:
            guard name.labels.isEmpty else { throw .invalidRecord(type.rawValue, "OPT owner is not the root") }
            guard message.edns == nil else { throw .invalidRecord(type.rawValue, "two OPT records") }
            message.edns = DNSEDNS(
                udpPayloadSize: recordClass, extendedResponseCode: UInt8(ttl >> 24), version: UInt8(ttl >> 16 & 0xFF),
                dnssecOK: ttl & 0x8000 != 0, options: Array(bytes[offset..<end]))
            data = .unknown(.opt, [])
        default:
            data = .unknown(type, Array(bytes[offset..<end]))
        }
        guard offset <= end else { throw .invalidRecord(type.rawValue, "data longer than its length") }
        if offset != end, type != .opt, !(data.isUnknown) {
            throw .invalidRecord(type.rawValue, "\(end - offset) bytes left in the record")
        }
        offset = end
        return DNSResourceRecord(name: name, ttl: ttl, data: data, recordClass: recordClass)
    }

    /// A possibly compressed name at the current offset; the offset moves past its first part.
    mutating func readName(within limit: Int? = nil) throws(DNSMessageError) -> DNSName {
        let end = limit ?? bytes.count
        var labels: [[UInt8]] = []
        var wireLength = 1
        var position = offset
        var jumped = false
        var pointers = 0
        // Pointers may only go backwards from the label that holds them.
        var lowestStart = position
        while true {
            guard position < (jumped ? bytes.count : end) else { throw .truncated("name") }
            let length = bytes[position]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { offset = position + 1 }
                    return DNSName(uncheckedLabels: labels)
                }
                let count = Int(length)
                guard position + 1 + count <= (jumped ? bytes.count : end) else { throw .truncated("label") }
                wireLength += count + 1
                guard wireLength <= 255 else { throw .invalidName("longer than 255 bytes") }
                labels.append(Array(bytes[(position + 1)...(position + count)]))
                position += 1 + count
            case 0xC0:
                guard position + 1 < (jumped ? bytes.count : end) else { throw .truncated("compression pointer") }
                let target = Int(length & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < lowestStart else { throw .invalidName("compression pointer \(target) does not point backwards") }
                pointers += 1
                guard pointers <= Self.maximumPointers else { throw .invalidName("too many compression pointers") }
                if !jumped { offset = position + 2 }
                jumped = true
                lowestStart = target
                position = target
            default:
                throw .invalidName("label type \(length >> 6)")
            }
        }
    }

    mutating func readUInt16(_ field: String) throws(DNSMessageError) -> UInt16 {
        guard offset + 2 <= bytes.count else { throw .truncated(field) }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func readUInt32(_ field: String) throws(DNSMessageError) -> UInt32 {
        UInt32(try readUInt16(field)) << 16 | UInt32(try readUInt16(field))
    }
}

extension DNSRecordData {
    var isUnknown: Bool {
        if case .unknown = self { return true }
        return false
    }
}
