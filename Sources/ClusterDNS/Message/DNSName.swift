/// A domain name as a sequence of labels (the root is no label), each 1...63 bytes, at most 255
/// bytes on the wire. Labels keep the case they were written in; ``==`` and hashing follow DNS
/// rules (ASCII case-insensitive, RFC 4343).
public struct DNSName: Sendable {
    /// The labels from the leftmost (most specific) to the last before the root.
    public private(set) var labels: [[UInt8]]

    /// The root name (`.`).
    public static let root = DNSName(uncheckedLabels: [])

    /// A name from labels the caller has checked (1...63 bytes each, 255 bytes on the wire).
    init(uncheckedLabels labels: [[UInt8]]) {
        self.labels = labels
    }

    /// A name from its labels; throws when a label is empty or longer than 63 bytes, or the name
    /// is longer than 255 bytes on the wire.
    public init(labels: [[UInt8]]) throws(DNSMessageError) {
        var length = 1
        for label in labels {
            guard (1...63).contains(label.count) else { throw .invalidName("label of \(label.count) bytes") }
            length += label.count + 1
        }
        guard length <= 255 else { throw .invalidName("name of \(length) bytes") }
        self.labels = labels
    }

    /// A name from dotted text (`web.default.svc.cluster.local`, a final dot optional; `.` is the
    /// root). No escapes: a label cannot contain a dot.
    public init(_ text: String) throws(DNSMessageError) {
        if text == "." || text.isEmpty {
            self.init(uncheckedLabels: [])
            return
        }
        var body = Substring(text)
        if body.hasSuffix(".") { body = body.dropLast() }
        try self.init(labels: body.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) })
    }

    /// How many bytes the name takes uncompressed on the wire.
    public var wireLength: Int { labels.reduce(1) { $0 + $1.count + 1 } }

    /// The name with ASCII letters in lower case.
    public func lowercased() -> DNSName {
        DNSName(uncheckedLabels: labels.map { $0.map(Self.lower) })
    }

    /// The labels in lower case as strings (bytes that are not UTF-8 become U+FFFD).
    public var lowercasedLabels: [String] {
        labels.map { String(decoding: $0.map(Self.lower), as: UTF8.self) }
    }

    /// Whether `self` is `suffix` or lies under it.
    public func isSubdomain(of suffix: DNSName) -> Bool {
        guard suffix.labels.count <= labels.count else { return false }
        let offset = labels.count - suffix.labels.count
        for (index, label) in suffix.labels.enumerated() where !Self.equal(label, labels[offset + index]) { return false }
        return true
    }

    /// `label` prepended to this name (throws past 255 bytes or for a bad label).
    public func prepending(_ label: String) throws(DNSMessageError) -> DNSName {
        try DNSName(labels: [Array(label.utf8)] + labels)
    }

    /// The name's first `count` labels dropped.
    public func droppingFirst(_ count: Int) -> DNSName {
        DNSName(uncheckedLabels: Array(labels.dropFirst(count)))
    }

    static func lower(_ byte: UInt8) -> UInt8 {
        (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        for index in a.indices where lower(a[index]) != lower(b[index]) { return false }
        return true
    }
}

extension DNSName: Hashable {
    /// Equal when every label is equal ignoring ASCII case.
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.labels.count == rhs.labels.count else { return false }
        return zip(lhs.labels, rhs.labels).allSatisfy { equal($0, $1) }
    }

    /// Hashes the lower-case labels.
    public func hash(into hasher: inout Hasher) {
        for label in labels {
            hasher.combine(label.count)
            for byte in label { hasher.combine(Self.lower(byte)) }
        }
    }
}

extension DNSName: CustomStringConvertible {
    /// The dotted text with a final dot; bytes outside printable ASCII, dots and backslashes
    /// inside a label written as `\DDD` (RFC 1035 master-file escapes).
    public var description: String {
        if labels.isEmpty { return "." }
        var text = ""
        for label in labels {
            for byte in label {
                switch byte {
                case 0x2E, 0x5C: text += "\\" + String(UnicodeScalar(byte))
                case 0x21...0x7E: text.unicodeScalars.append(UnicodeScalar(byte))
                default:
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            text += "."
        }
        return text
    }
}

extension DNSName: ExpressibleByStringLiteral {
    /// A name from a literal the programmer knows to be valid (traps otherwise).
    public init(stringLiteral value: String) {
        do { try self.init(value) } catch { preconditionFailure("invalid DNS name literal \(value): \(error)") }
    }
}
