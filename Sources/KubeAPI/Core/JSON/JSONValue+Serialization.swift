extension JSONValue {
    /// Writes the value as compact JSON (no insignificant whitespace), members in their stored order.
    ///
    /// Strings are escaped like Go's `encoding/json`: `"` and `\` get a backslash, `\n`, `\r`, `\t`,
    /// `\b`, `\f` use their short escapes, other control characters and U+2028/U+2029 become
    /// `\u00XX`/`\u2028`, and (when `escapingHTML` is true, the default) `<`, `>` and `&` become
    /// `\u003c`, `\u003e` and `\u0026`. Doubles are written with the fewest digits that read back
    /// to the same value, in plain notation between 1e-6 and 1e21 and in exponent notation outside,
    /// integral ones without a fraction (`2.0` is written `2`). Non-finite doubles, which JSON cannot
    /// represent, are written as `null`.
    public func serialized(escapingHTML: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        JSONWriter(escapingHTML: escapingHTML).write(self, into: &output)
        return output
    }

    /// The compact JSON text of the value; see ``serialized(escapingHTML:)``.
    public func serializedString(escapingHTML: Bool = true) -> String {
        String(decoding: serialized(escapingHTML: escapingHTML), as: UTF8.self)
    }
}

/// Appends compact JSON text to a byte buffer.
struct JSONWriter {
    let escapingHTML: Bool

    func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        case .bool(true): output.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        case .bool(false): output.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .int(let i): Self.writeInteger(i, into: &output)
        case .double(let d): Self.writeDouble(d, into: &output)
        case .string(let s): writeString(s, into: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                write(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    static func writeInteger(_ value: Int64, into output: inout [UInt8]) {
        if value == 0 { output.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while magnitude > 0 {
                buffer[19 - count] = UInt8(magnitude % 10) + 0x30
                magnitude /= 10
                count += 1
            }
            if value < 0 { output.append(UInt8(ascii: "-")) }
            output.append(contentsOf: buffer[(20 - count)...])
        }
    }

    static func writeDouble(_ value: Double, into output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            return
        }
        if value == 0 {
            if value.sign == .minus { output.append(UInt8(ascii: "-")) }
            output.append(UInt8(ascii: "0"))
            return
        }
        if value.sign == .minus { output.append(UInt8(ascii: "-")) }
        // Swift's description yields the shortest round-trip digits; re-layout them Go-style.
        let (digits, pointPosition) = shortestDigits(of: value.magnitude)
        let magnitude = value.magnitude
        if magnitude < 1e-6 || magnitude >= 1e21 {
            output.append(digits[0])
            if digits.count > 1 {
                output.append(UInt8(ascii: "."))
                output.append(contentsOf: digits[1...])
            }
            output.append(UInt8(ascii: "e"))
            let exponent = pointPosition - 1
            output.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            output.append(contentsOf: String(abs(exponent)).utf8)
        } else if pointPosition <= 0 {
            output.append(UInt8(ascii: "0"))
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
            output.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - digits.count))
        } else {
            output.append(contentsOf: digits[..<pointPosition])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[pointPosition...])
        }
    }

    /// The significant decimal digits of a positive finite double (no leading or trailing zeros)
    /// and the position of the decimal point relative to the first digit (value = 0.DIGITS × 10^point).
    static func shortestDigits(of value: Double) -> (digits: [UInt8], point: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") { seenPoint = true; continue }
            digits.append(byte)
            if !seenPoint { integerDigits += 1 }
        }
        var point = integerDigits + exponent
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { return ([UInt8(ascii: "0")], 1) }
        return (digits, point)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            let count = bytes.count
            while i < count {
                let byte = bytes[i]
                var escape: [UInt8]? = nil
                var width = 1
                switch byte {
                case UInt8(ascii: "\""): escape = [0x5C, 0x22]
                case UInt8(ascii: "\\"): escape = [0x5C, 0x5C]
                case 0x0A: escape = [0x5C, UInt8(ascii: "n")]
                case 0x0D: escape = [0x5C, UInt8(ascii: "r")]
                case 0x09: escape = [0x5C, UInt8(ascii: "t")]
                case 0x08: escape = [0x5C, UInt8(ascii: "b")]
                case 0x0C: escape = [0x5C, UInt8(ascii: "f")]
                case 0x00..<0x20: escape = Self.unicodeEscape(UInt16(byte))
                case UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                    if escapingHTML { escape = Self.unicodeEscape(UInt16(byte)) }
                case 0xE2:
                    // U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR are E2 80 A8 / E2 80 A9.
                    if i + 2 < count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 {
                        escape = Self.unicodeEscape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029)
                        width = 3
                    }
                default: break
                }
                if let escape {
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    output.append(contentsOf: escape)
                    i += width
                    runStart = i
                } else {
                    i += 1
                }
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
        output.append(UInt8(ascii: "\""))
    }

    static func unicodeEscape(_ unit: UInt16) -> [UInt8] {
        [0x5C, UInt8(ascii: "u"),
         hexDigits[Int(unit >> 12 & 0xF)], hexDigits[Int(unit >> 8 & 0xF)],
         hexDigits[Int(unit >> 4 & 0xF)], hexDigits[Int(unit & 0xF)]]
    }
}
