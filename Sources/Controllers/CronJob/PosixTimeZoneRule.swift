/// A POSIX `TZ` rule as found in a TZif footer: a standard offset and optionally a
/// daylight-saving offset with yearly start and end rules (`EST5EDT,M3.2.0,M11.1.0`).
struct PosixTimeZoneRule: Sendable, Hashable {
    /// A yearly transition date and the local time of day (seconds) it happens at.
    struct Transition: Sendable, Hashable {
        enum Day: Sendable, Hashable {
            /// `Mm.w.d`: weekday `d` of week `w` (5 = last) of month `m`.
            case monthWeekDay(month: Int, week: Int, weekday: Int)
            /// `Jn`: day 1...365, February 29 never counted.
            case julian(Int)
            /// `n`: day 0...365, February 29 counted.
            case zeroBased(Int)
        }

        var day: Day
        var time: Int

        /// Wall-clock seconds (since the wall clock's epoch) of this transition in `year`.
        func localSeconds(year: Int) -> Int64 {
            let days: Int64
            switch day {
            case .monthWeekDay(let month, let week, let weekday):
                let first = CivilTime.days(year: year, month: month, day: 1)
                let firstWeekday = Int((first + 4) - (first + 4).cronFloorDiv(7) * 7)
                var dayOfMonth = 1 + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
                let length = CivilTime.daysInMonth(year: year, month: month)
                while dayOfMonth > length { dayOfMonth -= 7 }
                days = first + Int64(dayOfMonth - 1)
            case .julian(let n):
                let leap = CivilTime.daysInMonth(year: year, month: 2) == 29
                days = CivilTime.days(year: year, month: 1, day: 1) + Int64(n - 1) + (leap && n >= 60 ? 1 : 0)
            case .zeroBased(let n):
                days = CivilTime.days(year: year, month: 1, day: 1) + Int64(n)
            }
            return days * 86_400 + Int64(time)
        }
    }

    /// Seconds east of UTC in standard time.
    var standardOffset: Int
    /// Seconds east of UTC in daylight-saving time, with its start and end rules.
    var daylight: (offset: Int, start: Transition, end: Transition)?

    static func == (a: PosixTimeZoneRule, b: PosixTimeZoneRule) -> Bool {
        a.standardOffset == b.standardOffset && a.daylight?.offset == b.daylight?.offset
            && a.daylight?.start == b.daylight?.start && a.daylight?.end == b.daylight?.end
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(standardOffset)
        hasher.combine(daylight?.offset)
    }

    /// Parses a rule; `nil` when it is malformed.
    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.name(), let std = scanner.offset() else { return nil }
        standardOffset = -std
        guard !scanner.atEnd else { daylight = nil; return }
        guard scanner.name() else { return nil }
        var dst = standardOffset + 3600
        if let explicit = scanner.offset() { dst = -explicit }
        guard scanner.take(","), let start = scanner.transition(), scanner.take(","), let end = scanner.transition(), scanner.atEnd
        else { return nil }
        daylight = (dst, start, end)
    }

    /// The offset at the instant `utc`.
    func offset(at utc: Int64) -> Int {
        guard let daylight else { return standardOffset }
        let year = CivilTime(utc + Int64(standardOffset)).year
        // Start is given in standard local time, end in daylight local time.
        let start = daylight.start.localSeconds(year: year) - Int64(standardOffset)
        let end = daylight.end.localSeconds(year: year) - Int64(daylight.offset)
        let inDaylight = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start)
        return inDaylight ? daylight.offset : standardOffset
    }

    /// A cursor over the rule's characters.
    struct Scanner {
        let bytes: [UInt8]
        var i = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { i >= bytes.count }

        mutating func take(_ character: Character) -> Bool {
            guard !atEnd, bytes[i] == character.asciiValue else { return false }
            i += 1
            return true
        }

        /// A zone abbreviation: letters, or anything between `<` and `>`.
        mutating func name() -> Bool {
            if take("<") {
                while !atEnd && bytes[i] != UInt8(ascii: ">") { i += 1 }
                return take(">")
            }
            let start = i
            while !atEnd, (bytes[i] >= 65 && bytes[i] <= 90) || (bytes[i] >= 97 && bytes[i] <= 122) { i += 1 }
            return i - start >= 3
        }

        mutating func number() -> Int? {
            let start = i
            var value = 0
            while !atEnd, bytes[i] >= 48, bytes[i] <= 57 {
                value = value * 10 + Int(bytes[i] - 48)
                i += 1
            }
            return i > start ? value : nil
        }

        /// `[+-]hh[:mm[:ss]]` in seconds (POSIX sign: positive is west of UTC).
        mutating func offset() -> Int? {
            var sign = 1
            if take("-") { sign = -1 } else { _ = take("+") }
            guard let hours = number() else { return nil }
            var seconds = hours * 3600
            if take(":") {
                guard let minutes = number() else { return nil }
                seconds += minutes * 60
                if take(":") {
                    guard let secs = number() else { return nil }
                    seconds += secs
                }
            }
            return sign * seconds
        }

        mutating func transition() -> Transition? {
            let day: Transition.Day
            if take("M") {
                guard let month = number(), take("."), let week = number(), take("."), let weekday = number(),
                      (1...12).contains(month), (1...5).contains(week), (0...6).contains(weekday) else { return nil }
                day = .monthWeekDay(month: month, week: week, weekday: weekday)
            } else if take("J") {
                guard let n = number(), (1...365).contains(n) else { return nil }
                day = .julian(n)
            } else {
                guard let n = number(), (0...365).contains(n) else { return nil }
                day = .zeroBased(n)
            }
            var time = 7200
            if take("/") {
                guard let explicit = offset() else { return nil }
                time = explicit
            }
            return Transition(day: day, time: time)
        }
    }
}
