extension IPAddress {
    /// Why text is not an IP address.
    public typealias ParseError = IPParseError

    /// Which text forms a parser accepts.
    public enum Syntax: Sendable, Hashable {
        /// The rules of Go's `netip.ParseAddr`, which upstream applies to new input: IPv4 fields
        /// are 0-255 without leading zeros; IPv6 groups have one to four hex digits.
        case strict
        /// The rules of Go 1.16's `net.ParseIP`, which Kubernetes keeps ("sloppy" parsing) where
        /// values may already be stored: IPv4 fields may carry leading zeros and are read as
        /// decimal (`010` is 10), IPv6 groups may be longer than four digits when the extra
        /// digits are leading zeros. Everything else is as strict.
        case legacy
    }

    /// Parses an IPv4 or IPv6 address.
    ///
    /// - Throws: ``ParseError`` naming what is wrong (a bad field, a second `::`, a zone, ...).
    public init(parsing text: some StringProtocol, syntax: Syntax = .strict) throws(ParseError) {
        do {
            self = try IPAddressParser(syntax: syntax).address(Array(text.utf8)[...])
        } catch {
            throw ParseError(.address, text: String(text), reason: error.reason)
        }
    }

    /// Parses an IPv4 or IPv6 address strictly; `nil` if the text is not one.
    public init?(_ text: some StringProtocol) {
        guard let address = try? IPAddressParser(syntax: .strict).address(Array(text.utf8)[...]) else { return nil }
        self = address
    }
}

/// Why a parser refused its input (the text is added by the caller).
struct IPAddressRefusal: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The text parser behind ``IPAddress`` and ``IPPrefix``; works on UTF-8 bytes.
struct IPAddressParser {
    var syntax: IPAddress.Syntax

    static let dot = UInt8(ascii: "."), colon = UInt8(ascii: ":"), percent = UInt8(ascii: "%")

    /// IPv4 when a `.` comes before any `:`, IPv6 when a `:` comes first (as Go decides).
    func address(_ text: ArraySlice<UInt8>) throws(IPAddressRefusal) -> IPAddress {
        guard !text.isEmpty else { throw IPAddressRefusal("the text is empty") }
        switch text.first(where: { $0 == Self.dot || $0 == Self.colon }) {
        case Self.dot: return IPAddress(ipv4: try ipv4(text))
        case Self.colon: return IPAddress(ipv6: try ipv6(text))
        default: throw IPAddressRefusal("expected a dotted-decimal IPv4 or a colon-separated IPv6 address")
        }
    }

    /// Four decimal fields separated by dots.
    func ipv4(_ text: ArraySlice<UInt8>) throws(IPAddressRefusal) -> UInt32 {
        let fields = text.split(separator: Self.dot, omittingEmptySubsequences: false)
        guard fields.count == 4 else {
            throw IPAddressRefusal("an IPv4 address has four decimal fields separated by dots")
        }
        var value: UInt32 = 0
        for field in fields {
            value = value << 8 | UInt32(try octet(field))
        }
        return value
    }

    func octet(_ field: ArraySlice<UInt8>) throws(IPAddressRefusal) -> UInt8 {
        let shown = String(decoding: field, as: UTF8.self)
        guard !field.isEmpty else { throw IPAddressRefusal("an IPv4 field is empty") }
        guard field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw IPAddressRefusal("IPv4 field \"\(shown)\" is not a decimal number")
        }
        if syntax == .strict, field.count > 1, field.first == 0x30 {
            throw IPAddressRefusal("IPv4 field \"\(shown)\" has a leading zero")
        }
        var value = 0
        for digit in field {
            value = value * 10 + Int(digit - 0x30)
            if value > 255 { throw IPAddressRefusal("IPv4 field \"\(shown)\" is larger than 255") }
        }
        return UInt8(value)
    }

    /// Hex groups separated by colons, one `::` for a run of zero groups, an optional trailing
    /// dotted quad.
    func ipv6(_ text: ArraySlice<UInt8>) throws(IPAddressRefusal) -> UInt128 {
        if text.contains(Self.percent) {
            throw IPAddressRefusal("zones (\"%eth0\") are not allowed")
        }
        var head = text, tail: ArraySlice<UInt8>?
        if let ellipsis = Self.firstEllipsis(in: text) {
            head = text[..<ellipsis]
            let rest = text[(ellipsis + 2)...]
            guard Self.firstEllipsis(in: rest) == nil else {
                throw IPAddressRefusal("\"::\" may appear only once")
            }
            tail = rest
        }
        let headGroups = try groups(head, mayEndWithIPv4: tail == nil)
        var tailGroups: [UInt16] = []
        if let tail { tailGroups = try groups(tail, mayEndWithIPv4: true) }
        if tail == nil {
            guard headGroups.count == 8 else {
                throw IPAddressRefusal("an IPv6 address has eight groups of hex digits, or \"::\" for a run of zero groups")
            }
        } else if headGroups.count + tailGroups.count > 7 {
            throw IPAddressRefusal("\"::\" must stand for at least one zero group")
        }
        let all = headGroups + Array(repeating: 0, count: 8 - headGroups.count - tailGroups.count) + tailGroups
        return all.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    static func firstEllipsis(in text: ArraySlice<UInt8>) -> Int? {
        var index = text.startIndex
        while index + 1 < text.endIndex {
            if text[index] == colon, text[index + 1] == colon { return index }
            index += 1
        }
        return nil
    }

    func groups(_ text: ArraySlice<UInt8>, mayEndWithIPv4: Bool) throws(IPAddressRefusal) -> [UInt16] {
        guard !text.isEmpty else { return [] }
        let parts = text.split(separator: Self.colon, omittingEmptySubsequences: false)
        var result: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if part.contains(Self.dot) {
                guard mayEndWithIPv4, index == parts.count - 1 else {
                    throw IPAddressRefusal("an embedded IPv4 address may only end the address")
                }
                let value = try ipv4(part)
                result += [UInt16(value >> 16), UInt16(value & 0xFFFF)]
            } else {
                result.append(try group(part))
            }
        }
        return result
    }

    func group(_ part: ArraySlice<UInt8>) throws(IPAddressRefusal) -> UInt16 {
        let shown = String(decoding: part, as: UTF8.self)
        guard !part.isEmpty else {
            throw IPAddressRefusal("an IPv6 group is empty (a lone \":\" at either end, or \":::\")")
        }
        if syntax == .strict, part.count > 4 {
            throw IPAddressRefusal("IPv6 group \"\(shown)\" has more than four hex digits")
        }
        var value = 0
        for byte in part {
            guard let digit = Self.hexDigit(byte) else {
                throw IPAddressRefusal("IPv6 group \"\(shown)\" is not a hex number")
            }
            value = value << 4 | digit
            if value > 0xFFFF { throw IPAddressRefusal("IPv6 group \"\(shown)\" is larger than ffff") }
        }
        return UInt16(value)
    }

    static func hexDigit(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }

    /// A prefix length: decimal digits, no sign; leading zeros only in the legacy syntax.
    func prefixLength(_ text: ArraySlice<UInt8>, maximum: Int) -> Int? {
        guard !text.isEmpty, text.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if syntax == .strict, text.count > 1, text.first == 0x30 { return nil }
        var value = 0
        for digit in text {
            value = value * 10 + Int(digit - 0x30)
            if value > maximum { return nil }
        }
        return value
    }
}
