extension DNSMessage {
    /// Encodes the message, compressing names (RFC 1035 4.1.4; SRV targets stay uncompressed as
    /// RFC 2782 asks).
    ///
    /// When the result would exceed `maximumSize` bytes, records are left out from the end: the
    /// additional section first (without setting TC), then, when the authority or the answer
    /// section does not fit, the rest of the message with the TC bit set. The OPT record is kept.
    public func encode(maximumSize: Int = 65535) throws(DNSMessageError) -> [UInt8] {
        var writer = DNSWriter()
        writer.bytes.reserveCapacity(min(maximumSize, 512))
        var header = self
        writer.writeUInt16(id)
        writer.writeUInt16(0)  // flags, set at the end
        writer.writeUInt16(UInt16(questions.count))
        writer.writeUInt16(0)
        writer.writeUInt16(0)
        writer.writeUInt16(0)
        for question in questions {
            try writer.writeName(question.name, compress: true)
            writer.writeUInt16(question.type.rawValue)
            writer.writeUInt16(question.recordClass)
        }
        let limit = min(maximumSize, 65535) - (edns == nil ? 0 : 11)
        guard writer.bytes.count <= limit else { throw .tooLarge }
        var counts: [Int] = [0, 0, 0]
        var full = false
        for (section, records) in [answers, authorities, additionals].enumerated() where !full {
            for record in records {
                let mark = writer.mark
                try writer.writeRecord(record)
                if writer.bytes.count > limit {
                    writer.reset(to: mark)
                    // Dropping additional records alone does not set TC (RFC 2181 9).
                    if section < 2 { header.isTruncated = true }
                    full = true
                    break
                }
                counts[section] += 1
            }
        }
        var additionalCount = counts[2]
        if let edns {
            writer.bytes.append(0)
            writer.writeUInt16(DNSRecordType.opt.rawValue)
            writer.writeUInt16(edns.udpPayloadSize)
            writer.writeUInt32(UInt32(edns.extendedResponseCode) << 24 | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0))
            guard edns.options.count <= 65535 else { throw .tooLarge }
            writer.writeUInt16(UInt16(edns.options.count))
            writer.bytes.append(contentsOf: edns.options)
            additionalCount += 1
        }
        guard writer.bytes.count <= 65535 else { throw .tooLarge }
        writer.setUInt16(header.flags, at: 2)
        writer.setUInt16(UInt16(counts[0]), at: 6)
        writer.setUInt16(UInt16(counts[1]), at: 8)
        writer.setUInt16(UInt16(additionalCount), at: 10)
        return writer.bytes
    }
}

/// Writes the wire format, remembering where each name suffix was written for compression.
struct DNSWriter {
    var bytes: [UInt8] = []
    /// Offsets of names written so far, by their lower-case label sequence.
    var offsets: [ArraySlice<[UInt8]>: Int] = [:]

    /// A position to roll back to.
    var mark: Int { bytes.count }

    /// Forgets everything written after `mark` (names written there no longer serve as
    /// compression targets).
    mutating func reset(to mark: Int) {
        bytes.removeSubrange(mark...)
        offsets = offsets.filter { $0.value < mark }
    }

    mutating func writeRecord(_ record: DNSResourceRecord) throws(DNSMessageError) {
        try writeName(record.name, compress: true)
        writeUInt16(record.type.rawValue)
        writeUInt16(record.recordClass)
        writeUInt32(record.ttl)
        let lengthAt = bytes.count
        writeUInt16(0)
        switch record.data {
        case .a(let address), .aaaa(let address):
            bytes.append(contentsOf: address.bytes)
        case .cname(let name), .ns(let name), .ptr(let name):
            try writeName(name, compress: true)
        case .srv(let priority, let weight, let port, let target):
            writeUInt16(priority)
            writeUInt16(weight)
            writeUInt16(port)
            try writeName(target, compress: false)
        case .txt(let strings):
            for string in strings {
                guard string.count <= 255 else { throw .invalidRecord(DNSRecordType.txt.rawValue, "string of \(string.count) bytes") }
                bytes.append(UInt8(string.count))
                bytes.append(contentsOf: string)
            }
        case .soa(let soa):
            try writeName(soa.primary, compress: true)
            try writeName(soa.mailbox, compress: true)
            for value in [soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum] { writeUInt32(value) }
        case .unknown(_, let data):
            bytes.append(contentsOf: data)
        }
        let length = bytes.count - lengthAt - 2
        guard length <= 65535 else { throw .tooLarge }
        setUInt16(UInt16(length), at: lengthAt)
    }

    mutating func writeName(_ name: DNSName, compress: Bool) throws(DNSMessageError) {
        guard name.wireLength <= 255 else { throw .invalidName("longer than 255 bytes") }
        let lower = name.lowercased().labels
        for index in lower.indices {
            let suffix = lower[index...]
            if compress, let target = offsets[suffix] {
                writeUInt16(0xC000 | UInt16(target))
                return
            }
            if bytes.count < 0x4000 { offsets[suffix] = bytes.count }
            let label = name.labels[index]
            guard (1...63).contains(label.count) else { throw .invalidName("label of \(label.count) bytes") }
            bytes.append(UInt8(label.count))
            bytes.append(contentsOf: label)
        }
        bytes.append(0)
    }

    mutating func writeUInt16(_ value: UInt16) {
        bytes.append(UInt8(value >> 8))
        bytes.append(UInt8(value & 0xFF))
    }

    mutating func writeUInt32(_ value: UInt32) {
        writeUInt16(UInt16(value >> 16))
        writeUInt16(UInt16(value & 0xFFFF))
    }

    mutating func setUInt16(_ value: UInt16, at index: Int) {
        bytes[index] = UInt8(value >> 8)
        bytes[index + 1] = UInt8(value & 0xFF)
    }
}
