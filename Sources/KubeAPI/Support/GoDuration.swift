/// A span of time written as Go's `time.Duration` text: `1h2m3.5s`, `300ms`, `1us` (or `1µs`),
/// `-1.5h`, `0`. It is the form of `meta.v1.Duration` fields, of duration flags (`--ttl`) and of
/// the hollow-container annotations.
///
/// The text is an optional sign and then one or more decimal numbers, each with a unit (`ns`,
/// `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`); a bare `0` needs none. ``description`` writes the
/// form Go prints: the largest units first, `0s` for zero.
public struct GoDuration: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The length in nanoseconds (negative for a negative duration).
    public var nanoseconds: Int64

    /// Why a text is not a duration.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The text given.
        public var text: String
        /// What is wrong with it.
        public var reason: String

        /// Creates an error.
        public init(text: String, reason: String) {
            self.text = text
            self.reason = reason
        }

        public var description: String { "invalid duration \"\(text)\": \(reason)" }
    }

    /// A duration of `nanoseconds`.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// A duration of whole `seconds`, or `nil` when that many nanoseconds overflow.
    public init?(seconds: Int64) {
        let (value, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return nil }
        nanoseconds = value
    }

    /// The same span as a Swift `Duration`.
    public var duration: Duration { .nanoseconds(nanoseconds) }

    /// The nanoseconds per unit, by the unit's name.
    private static let units: [String: UInt64] = [
        "ns": 1, "us": 1_000, "\u{B5}s": 1_000, "\u{3BC}s": 1_000, "ms": 1_000_000,
        "s": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    /// Reads Go's duration syntax.
    ///
    /// - Throws: ``ParseError`` for an empty text, a number without a unit, an unknown unit,
    ///   anything that is not a number with a unit (spaces included), or a value beyond the
    ///   range of `Int64` nanoseconds (about 292 years).
    public init(parsing text: some StringProtocol) throws(ParseError) {
        let original = String(text)
        func fail(_ reason: String) -> ParseError { ParseError(text: original, reason: reason) }
        let scalars = Array(text.unicodeScalars)
        func digit(_ index: Int) -> UInt64? {
            guard index < scalars.count, scalars[index].isASCII, let value = Character(scalars[index]).wholeNumberValue else { return nil }
            return UInt64(value)
        }
        var index = 0
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            index = 1
        }
        if scalars.count == index + 1, scalars[index] == "0" {
            nanoseconds = 0
            return
        }
        guard index < scalars.count else { throw fail("expected a number and a unit, as in 1h30m, 300ms or 0") }
        let limit = UInt64(Int64.max) + (negative ? 1 : 0)
        let outOfRange = fail("out of range")
        var total: UInt64 = 0
        while index < scalars.count {
            var whole: UInt64 = 0
            let wholeStart = index
            while let value = digit(index) {
                let (shifted, overflow) = whole.multipliedReportingOverflow(by: 10)
                guard !overflow, shifted <= limit - value else { throw outOfRange }
                whole = shifted + value
                index += 1
            }
            var digitCount = index - wholeStart
            // The fraction keeps as many digits as fit; later ones are too small to count.
            var fraction: UInt64 = 0
            var scale: Double = 1
            if index < scalars.count, scalars[index] == "." {
                index += 1
                while let value = digit(index) {
                    if fraction <= (UInt64.max - 9) / 10 {
                        fraction = fraction * 10 + value
                        scale *= 10
                    }
                    digitCount += 1
                    index += 1
                }
            }
            guard digitCount > 0 else { throw fail("expected a number before \"\(String(String.UnicodeScalarView(scalars[index...])))\"") }
            let unitStart = index
            while index < scalars.count, scalars[index] != ".", digit(index) == nil { index += 1 }
            let unit = String(String.UnicodeScalarView(scalars[unitStart..<index]))
            guard !unit.isEmpty else { throw fail("missing unit after a number (ns, us, ms, s, m, h)") }
            guard let perUnit = Self.units[unit] else { throw fail("unknown unit \"\(unit)\" (ns, us, ms, s, m, h)") }
            let (wholePart, overflow) = whole.multipliedReportingOverflow(by: perUnit)
            guard !overflow, wholePart <= limit else { throw outOfRange }
            let fractionPart = Double(fraction) * (Double(perUnit) / scale)
            guard fractionPart <= Double(limit - wholePart) else { throw outOfRange }
            let (value, sumOverflow) = wholePart.addingReportingOverflow(UInt64(fractionPart))
            guard !sumOverflow, value <= limit - total else { throw outOfRange }
            total += value
        }
        nanoseconds = negative ? Int64(truncatingIfNeeded: 0 &- total) : Int64(total)
    }

    /// The text Go prints for this duration: `1h2m3.5s`, `1m0s`, `300ms`, `1.5µs`, `-2ns`, `0s`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        let magnitude = nanoseconds.magnitude
        let text: String
        if magnitude < 1_000 {
            text = "\(magnitude)ns"
        } else if magnitude < 1_000_000 {
            text = Self.decimal(magnitude, digits: 3) + "\u{B5}s"
        } else if magnitude < 1_000_000_000 {
            text = Self.decimal(magnitude, digits: 6) + "ms"
        } else {
            let hours = magnitude / 3_600_000_000_000
            let minutes = magnitude / 60_000_000_000 % 60
            let seconds = Self.decimal(magnitude % 60_000_000_000, digits: 9) + "s"
            text = hours > 0 ? "\(hours)h\(minutes)m\(seconds)" : minutes > 0 ? "\(minutes)m\(seconds)" : seconds
        }
        return nanoseconds < 0 ? "-" + text : text
    }

    /// `value` divided by 10^`digits`, written with the fraction's trailing zeros left out.
    private static func decimal(_ value: UInt64, digits: Int) -> String {
        var unit: UInt64 = 1
        for _ in 0..<digits { unit *= 10 }
        let whole = value / unit
        let remainder = value % unit
        guard remainder > 0 else { return String(whole) }
        var fraction = String(remainder)
        fraction = String(repeating: "0", count: digits - fraction.count) + fraction
        while fraction.last == "0" { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }

    public static func < (lhs: GoDuration, rhs: GoDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
