/// Go's `time.Duration` text form (`1h2m3.5s`, `250ms`, `0s`), used by `meta.v1.Duration`.
enum GoDuration {
    /// Formats nanoseconds as Go does.
    static func format(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let negative = nanoseconds < 0
        let u = nanoseconds.magnitude
        var out: String
        func fraction(_ value: UInt64, _ unit: UInt64, _ digits: Int) -> String {
            let whole = value / unit
            var rest = String(value % unit)
            if value % unit == 0 { return String(whole) }
            rest = String(repeating: "0", count: digits - rest.count) + rest
            while rest.hasSuffix("0") { rest.removeLast() }
            return "\(whole).\(rest)"
        }
        if u < 1_000 {
            out = "\(u)ns"
        } else if u < 1_000_000 {
            out = fraction(u, 1_000, 3) + "µs"
        } else if u < 1_000_000_000 {
            out = fraction(u, 1_000_000, 6) + "ms"
        } else {
            let hours = u / 3_600_000_000_000
            let minutes = u / 60_000_000_000 % 60
            let seconds = fraction(u % 60_000_000_000, 1_000_000_000, 9) + "s"
            out = hours > 0 ? "\(hours)h\(minutes)m\(seconds)" : minutes > 0 ? "\(minutes)m\(seconds)" : seconds
        }
        return negative ? "-" + out : out
    }

    /// Parses Go's duration syntax; nil when malformed or out of range.
    static func parse(_ text: String) -> Int64? {
        var chars = Array(text.unicodeScalars)
        var negative = false
        if let first = chars.first, first == "-" || first == "+" {
            negative = first == "-"
            chars.removeFirst()
        }
        if chars.map(String.init).joined() == "0" { return 0 }
        guard !chars.isEmpty else { return nil }
        var total: Double = 0
        var i = 0
        while i < chars.count {
            var number = ""
            while i < chars.count, chars[i] == "." || ("0"..."9").contains(chars[i]) {
                number.unicodeScalars.append(chars[i])
                i += 1
            }
            var unit = ""
            while i < chars.count, !(chars[i] == "." || ("0"..."9").contains(chars[i])) {
                unit.unicodeScalars.append(chars[i])
                i += 1
            }
            guard let value = Double(number) else { return nil }
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1_000
            case "ms": scale = 1_000_000
            case "s": scale = 1_000_000_000
            case "m": scale = 60_000_000_000
            case "h": scale = 3_600_000_000_000
            default: return nil
            }
            total += value * scale
        }
        guard total < 9.2e18 else { return nil }
        let ns = Int64(total.rounded())
        return negative ? -ns : ns
    }
}
