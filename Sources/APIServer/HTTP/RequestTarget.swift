/// A request target (`/api/v1/pods?labelSelector=app%3Dweb`) split into its percent-decoded path
/// and query parameters, the way Go's `net/url` reads them: `+` in the query is a space, a
/// parameter whose escapes are malformed (or that contains `;`) is dropped, and a malformed
/// escape in the path makes the whole target invalid.
struct RequestTarget: Sendable, Equatable {
    /// The decoded path (starts with `/`).
    var path: String
    /// The decoded query parameters, in order.
    var query: [(name: String, value: String)]

    static func == (lhs: RequestTarget, rhs: RequestTarget) -> Bool {
        lhs.path == rhs.path && lhs.query.elementsEqual(rhs.query, by: { $0 == $1 })
    }

    /// Parses a request target; `nil` when the path is not origin-form (or absolute-form) or holds
    /// a malformed percent escape.
    init?(_ target: String) {
        var utf8 = Substring(target).utf8[...]
        // absolute-form: scheme://authority/path
        if utf8.first != UInt8(ascii: "/") {
            guard let schemeEnd = Self.find(Array("://".utf8), in: utf8) else { return nil }
            let afterAuthority = utf8[schemeEnd...].dropFirst(3)
            if let slash = afterAuthority.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) {
                utf8 = afterAuthority[slash...]
            } else {
                utf8 = afterAuthority[afterAuthority.endIndex...]
            }
        }
        // Drop a fragment, if a client sent one.
        if let hash = utf8.firstIndex(of: UInt8(ascii: "#")) {
            utf8 = utf8[..<hash]
        }
        let rawPath: Substring.UTF8View.SubSequence
        var rawQuery: Substring.UTF8View.SubSequence?
        if let question = utf8.firstIndex(of: UInt8(ascii: "?")) {
            rawPath = utf8[..<question]
            rawQuery = utf8[utf8.index(after: question)...]
        } else {
            rawPath = utf8
        }
        if rawPath.isEmpty {
            path = "/"
        } else {
            guard rawPath.first == UInt8(ascii: "/"), let decoded = Self.decode(rawPath, plusAsSpace: false) else {
                return nil
            }
            path = decoded
        }
        query = []
        if let rawQuery, !rawQuery.isEmpty {
            for pair in rawQuery.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
                if pair.contains(UInt8(ascii: ";")) { continue }
                let name: Substring.UTF8View.SubSequence
                let value: Substring.UTF8View.SubSequence
                if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                    name = pair[..<equals]
                    value = pair[pair.index(after: equals)...]
                } else {
                    name = pair
                    value = pair[pair.endIndex...]
                }
                guard let decodedName = Self.decode(name, plusAsSpace: true),
                    let decodedValue = Self.decode(value, plusAsSpace: true)
                else { continue }
                query.append((decodedName, decodedValue))
            }
        }
    }

    /// Percent-decodes bytes; `nil` on a malformed escape. Invalid UTF-8 in the result is
    /// replaced with U+FFFD.
    static func decode(_ bytes: Substring.UTF8View.SubSequence, plusAsSpace: Bool) -> String? {
        var needsWork = false
        for byte in bytes where byte == UInt8(ascii: "%") || (plusAsSpace && byte == UInt8(ascii: "+")) {
            needsWork = true
            break
        }
        if !needsWork { return String(Substring(bytes)) }

        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                let first = bytes.index(after: index)
                guard first < bytes.endIndex else { return nil }
                let second = bytes.index(after: first)
                guard second < bytes.endIndex, let high = hexValue(bytes[first]), let low = hexValue(bytes[second]) else {
                    return nil
                }
                out.append(high << 4 | low)
                index = bytes.index(after: second)
            } else {
                out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index = bytes.index(after: index)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func find(_ needle: [UInt8], in haystack: Substring.UTF8View.SubSequence) -> Substring.UTF8View.Index? {
        var index = haystack.startIndex
        while index < haystack.endIndex {
            if haystack[index...].starts(with: needle) { return index }
            index = haystack.index(after: index)
        }
        return nil
    }
}
