/// Writes metric families in the Prometheus text format (version 0.0.4): `# HELP` and `# TYPE`
/// lines, then one line per sample with its labels and optional millisecond timestamp.
struct PrometheusTextWriter {
    /// One sample: its label set (already written, `{a="x"}` or empty), value and time.
    typealias Sample = (labels: String, value: Double, time: StatsTime?)

    /// The text so far.
    private(set) var text = ""

    /// Appends a family; a family without samples is left out.
    mutating func family(_ name: String, _ type: String, _ help: String, _ samples: [Sample]) {
        guard !samples.isEmpty else { return }
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        for sample in samples {
            text += name + sample.labels + " " + Self.format(sample.value)
            if let time = sample.time { text += " \(time.milliseconds)" }
            text += "\n"
        }
    }

    /// Appends a summary with no quantiles: `NAME_sum` and `NAME_count`.
    mutating func summary(_ name: String, _ help: String, sum: Double, count: Int) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) summary\n"
        text += "\(name)_sum \(Self.format(sum))\n\(name)_count \(count)\n"
    }

    /// `{a="x",b="y"}` with the values escaped as the text format requires, keys in order.
    static func labels(_ pairs: [String: String]) -> String {
        let body = pairs.keys.sorted().map { key in
            var value = ""
            for character in pairs[key]! {
                switch character {
                case "\\": value += "\\\\"
                case "\"": value += "\\\""
                case "\n": value += "\\n"
                default: value.append(character)
                }
            }
            return "\(key)=\"\(value)\""
        }
        return "{" + body.joined(separator: ",") + "}"
    }

    /// Whole numbers without a fraction, others in Swift's shortest form.
    static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
