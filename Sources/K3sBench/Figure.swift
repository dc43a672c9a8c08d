/// One measured figure, printed as one JSON object per line:
/// `{"suite":"datastore","backend":"sqlite","name":"creates_per_s","writers":16,"value":23456,"unit":"ops/s"}`.
struct Figure {
    /// A parameter value: the benchmark's shape (writers, watchers, keys, ...).
    enum Parameter: Sendable {
        case int(Int)
        case string(String)
    }

    var suite: String
    var backend: String
    var name: String
    var parameters: [(String, Parameter)]
    var value: Double
    var unit: String

    /// The figure as one line of compact JSON, fields in a fixed order.
    var jsonLine: String {
        var fields: [String] = [
            "\"suite\":\(quote(suite))",
            "\"backend\":\(quote(backend))",
            "\"name\":\(quote(name))",
        ]
        for (key, parameter) in parameters {
            switch parameter {
            case .int(let i): fields.append("\(quote(key)):\(i)")
            case .string(let s): fields.append("\(quote(key)):\(quote(s))")
            }
        }
        fields.append("\"value\":\(format(value))")
        fields.append("\"unit\":\(quote(unit))")
        return "{" + fields.joined(separator: ",") + "}"
    }

    private func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if ch.value < 0x20 { out += "\\u" + String(ch.value, radix: 16).leftPadded(to: 4) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }

    private func format(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        let rounded = (v * 1000).rounded() / 1000
        return String(rounded)
    }
}

extension String {
    /// The string padded on the left with zeros to `width` characters.
    func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
