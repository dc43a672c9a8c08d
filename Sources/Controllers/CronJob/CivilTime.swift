/// A proleptic-Gregorian wall-clock time, computed from seconds since 1970-01-01T00:00 of
/// the same wall clock (no time zone involved).
struct CivilTime: Sendable, Hashable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int
    /// 0 = Sunday.
    var weekday: Int

    init(_ seconds: Int64) {
        let days = seconds.cronFloorDiv(86_400)
        let rest = Int(seconds - days * 86_400)
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
        weekday = Int((days + 4) - (days + 4).cronFloorDiv(7) * 7)  // 1970-01-01 was a Thursday
        (year, month, day) = Self.civil(fromDays: days)
    }

    /// Days since 1970-01-01 of a date (Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    /// Seconds of a wall-clock midnight.
    static func seconds(year: Int, month: Int, day: Int) -> Int64 {
        days(year: year, month: month, day: day) * 86_400
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        let next = month == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: month + 1, day: 1)
        return Int(next - days(year: year, month: month, day: 1))
    }
}

extension Int64 {
    /// Division rounding towards negative infinity.
    func cronFloorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
