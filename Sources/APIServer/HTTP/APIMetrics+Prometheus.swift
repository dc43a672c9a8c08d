extension APIMetrics {
    /// The content type of ``prometheusText()``.
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// All metrics in the Prometheus text exposition format (version 0.0.4), series sorted by
    /// their labels so the output is stable.
    public func prometheusText() -> [UInt8] {
        let snapshot = state.withLock { $0 }
        var out = PrometheusTextWriter()

        out.family("apiserver_request_total", type: "counter", help: "Requests served, by verb, group, version, resource, scope and response code.")
        let counts = snapshot.requestCounts.map { (labels: Self.labelPairs($0.key.labels, code: $0.key.code), value: $0.value) }
        for series in counts.sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels, by: Self.pairOrder) }) {
            out.sample("apiserver_request_total", labels: series.labels, value: String(series.value))
        }

        out.family("apiserver_request_duration_seconds", type: "histogram", help: "Request latency in seconds, by verb, group, version, resource and scope.")
        let durations = snapshot.requestDurations.map { (labels: Self.labelPairs($0.key, code: nil), histogram: $0.value) }
        for series in durations.sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels, by: Self.pairOrder) }) {
            out.histogram("apiserver_request_duration_seconds", labels: series.labels, histogram: series.histogram, bounds: buckets)
        }

        out.family("apiserver_registered_watchers", type: "gauge", help: "Open watches, by group, version and kind.")
        let watchers = snapshot.watchers.map { (labels: [("group", $0.key.group), ("kind", $0.key.kind), ("version", $0.key.version)], value: $0.value) }
        for series in watchers.sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels, by: Self.pairOrder) }) {
            out.sample("apiserver_registered_watchers", labels: series.labels, value: String(series.value))
        }

        out.family("etcd_request_duration_seconds", type: "histogram", help: "Datastore call latency in seconds, by operation and resource.")
        let datastore = snapshot.datastoreDurations.map { (labels: [("operation", $0.key.operation), ("type", $0.key.type)], histogram: $0.value) }
        for series in datastore.sorted(by: { $0.labels.lexicographicallyPrecedes($1.labels, by: Self.pairOrder) }) {
            out.histogram("etcd_request_duration_seconds", labels: series.labels, histogram: series.histogram, bounds: buckets)
        }
        return out.bytes
    }

    private static func pairOrder(_ lhs: (String, String), _ rhs: (String, String)) -> Bool {
        lhs.0 != rhs.0 ? lhs.0 < rhs.0 : lhs.1 < rhs.1
    }

    /// Label pairs in name order, as Prometheus clients print them.
    private static func labelPairs(_ labels: RequestLabels, code: Int?) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if let code { pairs.append(("code", String(code))) }
        pairs.append(contentsOf: [
            ("component", labels.component),
            ("dry_run", labels.dryRun),
            ("group", labels.group),
            ("resource", labels.resource),
            ("scope", labels.scope),
            ("subresource", labels.subresource),
            ("verb", labels.verb),
            ("version", labels.version),
        ])
        return pairs
    }
}

/// Builds Prometheus text exposition output.
struct PrometheusTextWriter {
    private(set) var bytes: [UInt8] = []

    init() {
        bytes.reserveCapacity(4096)
    }

    mutating func family(_ name: String, type: String, help: String) {
        append("# HELP \(name) \(help)\n# TYPE \(name) \(type)\n")
    }

    mutating func sample(_ name: String, labels: [(String, String)], value: String) {
        append(name)
        appendLabels(labels)
        append(" ")
        append(value)
        append("\n")
    }

    mutating func histogram(_ name: String, labels: [(String, String)], histogram: Histogram, bounds: [Double]) {
        var cumulative: UInt64 = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += histogram.counts[index]
            sample("\(name)_bucket", labels: labels + [("le", Self.format(bound))], value: String(cumulative))
        }
        sample("\(name)_bucket", labels: labels + [("le", "+Inf")], value: String(histogram.count))
        sample("\(name)_sum", labels: labels, value: Self.format(histogram.sum))
        sample("\(name)_count", labels: labels, value: String(histogram.count))
    }

    private mutating func appendLabels(_ labels: [(String, String)]) {
        guard !labels.isEmpty else { return }
        append("{")
        for (index, (name, value)) in labels.enumerated() {
            if index > 0 { append(",") }
            append(name)
            append("=\"")
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): append("\\\\")
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\n"): append("\\n")
                default: bytes.append(byte)
                }
            }
            append("\"")
        }
        append("}")
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// A number the way Prometheus clients print it: integers without a fraction.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
