/// Why an RFC 3339 timestamp could not be parsed.
public struct TimeParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that failed to parse.
    public var input: String
    /// An explanation of the problem.
    public var message: String

    /// Creates an error.
    public init(input: String, message: String) {
        self.input = input
        self.message = message
    }

    /// `invalid RFC 3339 timestamp "<input>": <message>`.
    public var description: String { "invalid RFC 3339 timestamp \"\(input)\": \(message)" }
}

/// Parsing and formatting of RFC 3339 timestamps (`2024-01-02T03:04:05.5+01:00`).
enum RFC3339 {
    /// A parsed instant: whole seconds since the Unix epoch plus nanoseconds (0..<1e9).
    struct Instant: Equatable {
        var seconds: Int64
        var nanoseconds: Int64
    }

    static func parse(_ text: String) throws(TimeParseError) -> Instant {
        let b = Array(text.utf8)
        func fail(_ message: String) -> TimeParseError { TimeParseError(input: text, message: message) }
        var i = 0
        func digits(_ count: Int, _ what: String) throws(TimeParseError) -> Int {
            guard i + count <= b.count else { throw fail("expected \(count)-digit \(what)") }
            var value = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 0x30 && c <= 0x39 else { throw fail("expected \(count)-digit \(what)") }
                value = value * 10 + Int(c - 0x30)
            }
            i += count
            return value
        }
        func expect(_ characters: String, _ what: String) throws(TimeParseError) {
            guard i < b.count, characters.utf8.contains(b[i]) else { throw fail("expected \(what)") }
            i += 1
        }
        let year = try digits(4, "year")
        try expect("-", "'-' after the year")
        let month = try digits(2, "month")
        try expect("-", "'-' after the month")
        let day = try digits(2, "day")
        try expect("Tt", "'T' between date and time")
        let hour = try digits(2, "hour")
        try expect(":", "':' after the hour")
        let minute = try digits(2, "minute")
        try expect(":", "':' after the minute")
        let second = try digits(2, "second")
        var nanoseconds: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 {
                if count < 9 { nanoseconds = nanoseconds * 10 + Int64(b[i] - 0x30) }
                count += 1
                i += 1
            }
            guard count > 0 else { throw fail("expected digits after '.'") }
            for _ in min(count, 9)..<9 { nanoseconds *= 10 }
        }
        var offsetSeconds = 0
        guard i < b.count else { throw fail("missing time zone ('Z' or an offset such as +01:00)") }
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let negative = b[i] == UInt8(ascii: "-")
            i += 1
            let offsetHour = try digits(2, "offset hour")
            try expect(":", "':' in the time zone offset")
            let offsetMinute = try digits(2, "offset minute")
            guard offsetHour < 24 else { throw fail("time zone offset hour \(offsetHour) out of range") }
            guard offsetMinute < 60 else { throw fail("time zone offset minute \(offsetMinute) out of range") }
            offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (negative ? -1 : 1)
        default:
            throw fail("missing time zone ('Z' or an offset such as +01:00)")
        }
        guard i == b.count else { throw fail("unexpected text after the time zone") }
        guard (1...12).contains(month) else { throw fail("month \(month) out of range") }
        let monthLength = daysInMonth(year: year, month: month)
        guard (1...monthLength).contains(day) else {
            throw fail("day \(day) out of range for month \(month) of \(year)")
        }
        guard hour < 24 else { throw fail("hour \(hour) out of range") }
        guard minute < 60 else { throw fail("minute \(minute) out of range") }
        guard second < 60 else { throw fail("second \(second) out of range") }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Instant(seconds: seconds, nanoseconds: nanoseconds)
    }

    static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        // Count from 0000-03-01 so that the leap day is the last day of the counting year.
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Formats UTC `YYYY-MM-DDTHH:MM:SS[.fraction]Z` with `fractionDigits` digits of `fraction`.
    static func format(seconds: Int64, fraction: Int64 = 0, fractionDigits: Int = 0) -> String {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (year, month, day) = civilFromDays(days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        var result = "\(year < 0 ? "-" + pad(-year, 4) : pad(year, 4))-\(pad(Int64(month), 2))-\(pad(Int64(day), 2))"
        result += "T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if fractionDigits > 0 { result += "." + pad(fraction, fractionDigits) }
        return result + "Z"
    }
}
