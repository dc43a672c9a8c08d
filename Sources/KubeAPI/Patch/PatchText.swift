/// Small text helpers shared by the patch implementations: compact JSON for error
/// messages and JSON type names.
enum PatchText {
    /// Longest rendering of a value embedded in an error message.
    static let messageLimit = 200

    /// Compact JSON text of `value`, cut to `limit` characters (with `...`) for messages.
    static func compact(_ value: JSONValue, limit: Int = messageLimit) -> String {
        var out = ""
        write(value, into: &out, limit: limit)
        if out.count > limit { return String(out.prefix(limit)) + "..." }
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String, limit: Int) {
        if out.count > limit { return }
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isFinite, d == d.rounded(), abs(d) < 1e15 { out += String(Int64(d)) } else { out += "\(d)" }
        case .string(let s): quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out, limit: limit)
                if out.count > limit { return }
            }
            out += "]"
        case .object(let members):
            out += "{"
            var first = true
            for (k, v) in members {
                if !first { out += "," }
                first = false
                quote(k, into: &out)
                out += ":"
                write(v, into: &out, limit: limit)
                if out.count > limit { return }
            }
            out += "}"
        }
    }

    private static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// The JSON type name of a value (`object`, `array`, `string`, `number`, `boolean`, `null`).
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
