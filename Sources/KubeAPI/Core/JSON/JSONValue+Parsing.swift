import OrderedCollections

extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts by default.
    public static let defaultMaximumDepth = 512

    /// Parses a complete JSON document (RFC 8259) from UTF-8 bytes.
    ///
    /// Object member order is preserved. Integers without fraction or exponent that fit in
    /// 64 bits become ``int(_:)``; every other number becomes ``double(_:)``.
    /// The input is rejected with a ``JSONParseError`` (carrying the byte offset) when it is not
    /// valid UTF-8, has content after the document, uses leading zeros, `NaN`/`Infinity`,
    /// a lone UTF-16 surrogate escape, a number outside the `Double` range, or nests arrays and
    /// objects deeper than `maximumDepth`.
    ///
    /// - Parameters:
    ///   - bytes: The UTF-8 encoded document.
    ///   - duplicateKeys: What to do when an object repeats a member name; by default the last value wins.
    ///   - maximumDepth: The deepest nesting accepted.
    public init(
        parsing bytes: some Collection<UInt8>,
        duplicateKeys: JSONDuplicateKeyPolicy = .lastWins,
        maximumDepth: Int = JSONValue.defaultMaximumDepth
    ) throws(JSONParseError) {
        let run = { (buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> in
            var parser = JSONByteParser(bytes: buffer, duplicateKeys: duplicateKeys, maximumDepth: maximumDepth)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        let result: Result<JSONValue, JSONParseError>
        if let direct = bytes.withContiguousStorageIfAvailable(run) {
            result = direct
        } else {
            result = Array(bytes).withUnsafeBufferPointer(run)
        }
        self = try result.get()
    }

    /// Parses a complete JSON document from a string; see ``init(parsing:duplicateKeys:maximumDepth:)``.
    public init(
        parsing string: String,
        duplicateKeys: JSONDuplicateKeyPolicy = .lastWins,
        maximumDepth: Int = JSONValue.defaultMaximumDepth
    ) throws(JSONParseError) {
        try self.init(parsing: string.utf8, duplicateKeys: duplicateKeys, maximumDepth: maximumDepth)
    }
}

/// A recursive-descent parser over a contiguous UTF-8 buffer. Recursion is bounded by `maximumDepth`.
struct JSONByteParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let duplicateKeys: JSONDuplicateKeyPolicy
    let maximumDepth: Int
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>, duplicateKeys: JSONDuplicateKeyPolicy, maximumDepth: Int) {
        self.bytes = bytes
        self.duplicateKeys = duplicateKeys
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count {
            throw error("unexpected \(describeByte(bytes[position])) after the end of the document")
        }
        return value
    }

    // MARK: - Helpers

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, message: message)
    }

    func describeByte(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "character '\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    // MARK: - Values

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let byte: throw error("unexpected \(describeByte(byte)), expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let count = literal.utf8CodeUnitCount
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for i in 0..<count {
            guard position < bytes.count else {
                throw error("unexpected end of input in literal, expected '\(literal)'", at: start)
            }
            guard bytes[position] == text[i] else {
                throw error("invalid literal, expected '\(literal)'", at: start)
            }
            position += 1
        }
    }

    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > maximumDepth {
            throw error("nesting depth exceeds the maximum of \(maximumDepth)")
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue())
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input in array, expected ',' or ']'") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: ",") { continue }
            if byte == UInt8(ascii: "]") { break }
            throw error("unexpected \(describeByte(byte)) in array, expected ',' or ']'", at: position - 1)
        }
        depth -= 1
        return .array(items)
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position += 1  // {
        var members = OrderedDictionary<String, JSONValue>()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input in object, expected a member name") }
            guard bytes[position] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describeByte(bytes[position])) in object, expected a member name string")
            }
            let keyOffset = position
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input in object, expected ':'") }
            guard bytes[position] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeByte(bytes[position])) after member name, expected ':'")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            if duplicateKeys == .reject, members[key] != nil {
                throw error("duplicate member name \"\(key)\"", at: keyOffset)
            }
            members[key] = value
            skipWhitespace()
            guard position < bytes.count else { throw error("unexpected end of input in object, expected ',' or '}'") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: ",") { continue }
            if byte == UInt8(ascii: "}") { break }
            throw error("unexpected \(describeByte(byte)) in object, expected ',' or '}'", at: position - 1)
        }
        depth -= 1
        return .object(members)
    }

    // MARK: - Numbers

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw error("invalid number, expected a digit", at: position)
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw error("invalid number, leading zeros are not allowed", at: start)
            }
        } else {
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        let integerEnd = position
        var integral = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            integral = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number, expected a digit after '.'")
            }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            integral = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error("invalid number, expected a digit in the exponent")
            }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if integral {
            // Accumulate negatively so that Int64.min is representable.
            var value: Int64 = 0
            var fits = true
            for i in (negative ? start + 1 : start)..<integerEnd {
                let digit = Int64(bytes[i] &- 0x30)
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = times10.subtractingReportingOverflow(digit)
                if o1 || o2 { fits = false; break }
                value = next
            }
            if fits {
                if negative { return .int(value) }
                if value != Int64.min { return .int(-value) }
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw error("number \(text) is out of range", at: start)
        }
        return .double(double)
    }

    // MARK: - Strings

    mutating func parseString() throws(JSONParseError) -> String {
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character (\(describeByte(byte))) in string") }
            if byte < 0x80 { position += 1 } else { try skipUTF8Sequence() }
        }
        guard position < bytes.count else { throw error("unexpected end of input in string", at: start - 1) }
        // Slow path: copy into a buffer while decoding escapes.
        var output = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: output, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                try decodeEscape(into: &output)
            } else if byte < 0x20 {
                throw error("unescaped control character (\(describeByte(byte))) in string")
            } else if byte < 0x80 {
                output.append(byte)
                position += 1
            } else {
                let sequenceStart = position
                try skipUTF8Sequence()
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[sequenceStart..<position]))
            }
        }
        throw error("unexpected end of input in string", at: start - 1)
    }

    mutating func decodeEscape(into output: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = position
        position += 1  // backslash
        guard position < bytes.count else { throw error("unexpected end of input in escape sequence", at: escapeStart) }
        let kind = bytes[position]
        position += 1
        switch kind {
        case UInt8(ascii: "\""): output.append(0x22)
        case UInt8(ascii: "\\"): output.append(0x5C)
        case UInt8(ascii: "/"): output.append(0x2F)
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try readHex4(escapeStart: escapeStart)
            var scalarValue: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw error("lone high surrogate \\u\(String(unit, radix: 16, uppercase: true)) in string", at: escapeStart)
                }
                let lowStart = position
                position += 2
                let low = try readHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("high surrogate \\u\(String(unit, radix: 16, uppercase: true)) is not followed by a low surrogate", at: escapeStart)
                }
                scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw error("lone low surrogate \\u\(String(unit, radix: 16, uppercase: true)) in string", at: escapeStart)
            default:
                scalarValue = UInt32(unit)
            }
            let scalar = Unicode.Scalar(scalarValue)!
            output.append(contentsOf: UTF8.encode(scalar)!)
        default:
            throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(kind)))' in string", at: escapeStart)
        }
    }

    mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        guard position + 4 <= bytes.count else {
            throw error("unexpected end of input in \\u escape", at: escapeStart)
        }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - 0x30
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - 0x61 + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - 0x41 + 10
            default: throw error("invalid hexadecimal digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence starting at `position` (RFC 3629) and moves past it.
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let count: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; secondRange = 0x80...0x9F
        case 0xF0: count = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; secondRange = 0x80...0x8F
        default: throw error("invalid UTF-8 (\(describeByte(lead)))")
        }
        guard position + count <= bytes.count else { throw error("truncated UTF-8 sequence") }
        guard secondRange.contains(bytes[position + 1]) else { throw error("invalid UTF-8 sequence") }
        for i in 2..<max(2, count) where !(0x80...0xBF).contains(bytes[position + i]) {
            throw error("invalid UTF-8 sequence")
        }
        position += count
    }
}
