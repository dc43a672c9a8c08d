/// One sample of the Prometheus text exposition format: `name{label="value",...} value [timestamp]`.
public struct PrometheusSample: Sendable, Hashable {
    /// The metric name.
    public var name: String
    /// The labels.
    public var labels: [String: String]
    /// The value (`NaN` and `±Inf` included).
    public var value: Double
    /// The timestamp in milliseconds since the epoch, when the line has one.
    public var timestampMilliseconds: Int64?

    /// Creates a sample.
    public init(name: String, labels: [String: String] = [:], value: Double, timestampMilliseconds: Int64? = nil) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// Why a Prometheus text document could not be read.
public struct PrometheusParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line.
    public var line: Int
    /// What is wrong there.
    public var message: String

    /// Creates an error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}

/// A reader of the Prometheus text exposition format (version 0.0.4), as kubelets serve it at
/// `/metrics/resource`. Comment lines (`# HELP`, `# TYPE`) and blank lines are skipped.
public enum PrometheusText {
    /// Every sample of `text`, in order.
    ///
    /// - Throws: ``PrometheusParseError`` naming the first malformed line.
    public static func parse(_ text: String) throws(PrometheusParseError) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var bytes = Array(rawLine.utf8)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            var reader = LineReader(bytes: bytes, line: number)
            reader.skipSpaces()
            if reader.atEnd || reader.peek == UInt8(ascii: "#") { continue }
            samples.append(try reader.sample())
        }
        return samples
    }

    /// Reads one sample line.
    struct LineReader {
        let bytes: [UInt8]
        let line: Int
        var index = 0

        init(bytes: [UInt8], line: Int) {
            self.bytes = bytes
            self.line = line
        }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        func failure(_ message: String) -> PrometheusParseError { PrometheusParseError(line: line, message: message) }

        mutating func skipSpaces() {
            while let byte = peek, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { index += 1 }
        }

        static func isNameStart(_ byte: UInt8) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            isNameStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }

        mutating func name(what: String) throws(PrometheusParseError) -> String {
            guard let first = peek, Self.isNameStart(first) else { throw failure("expected a \(what)") }
            let start = index
            while let byte = peek, Self.isNameByte(byte) { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func expect(_ byte: UInt8) throws(PrometheusParseError) {
            guard peek == byte else { throw failure("expected \"\(Character(Unicode.Scalar(byte)))\"") }
            index += 1
        }

        mutating func quoted() throws(PrometheusParseError) -> String {
            try expect(UInt8(ascii: "\""))
            var value: [UInt8] = []
            while true {
                guard let byte = peek else { throw failure("unterminated label value") }
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: value, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { throw failure("unterminated label value") }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                    case UInt8(ascii: "\\"), UInt8(ascii: "\""): value.append(escaped)
                    default: throw failure("invalid escape \"\\\(Character(Unicode.Scalar(escaped)))\" in label value")
                    }
                default:
                    value.append(byte)
                }
            }
        }

        mutating func labels() throws(PrometheusParseError) -> [String: String] {
            var labels: [String: String] = [:]
            try expect(UInt8(ascii: "{"))
            skipSpaces()
            while peek != UInt8(ascii: "}") {
                let key = try name(what: "label name")
                skipSpaces()
                try expect(UInt8(ascii: "="))
                skipSpaces()
                labels[key] = try quoted()
                skipSpaces()
                if peek == UInt8(ascii: ",") {
                    index += 1
                    skipSpaces()
                } else if peek != UInt8(ascii: "}") {
                    throw failure("expected \",\" or \"}\" after a label")
                }
            }
            index += 1
            return labels
        }

        mutating func token() -> String {
            let start = index
            while let byte = peek, byte != UInt8(ascii: " "), byte != UInt8(ascii: "\t") { index += 1 }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        static func value(_ text: String) -> Double? {
            switch text {
            case "NaN": return .nan
            case "+Inf", "Inf": return .infinity
            case "-Inf": return -.infinity
            default: return Double(text)
            }
        }

        mutating func sample() throws(PrometheusParseError) -> PrometheusSample {
            let metric = try name(what: "metric name")
            skipSpaces()
            let labels = peek == UInt8(ascii: "{") ? try self.labels() : [:]
            skipSpaces()
            let valueText = token()
            guard !valueText.isEmpty else { throw failure("missing value for \(metric)") }
            guard let value = Self.value(valueText) else { throw failure("invalid value \"\(valueText)\" for \(metric)") }
            skipSpaces()
            var timestamp: Int64? = nil
            if !atEnd {
                let text = token()
                guard let parsed = Int64(text) else { throw failure("invalid timestamp \"\(text)\" for \(metric)") }
                timestamp = parsed
                skipSpaces()
                guard atEnd else { throw failure("unexpected text after the timestamp of \(metric)") }
            }
            return PrometheusSample(name: metric, labels: labels, value: value, timestampMilliseconds: timestamp)
        }
    }
}
