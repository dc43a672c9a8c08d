import KubeAPI

/// A parsed standard cron schedule: five fields (minute, hour, day of month, month, day of
/// week) with `*`, `?` (day fields), lists, ranges, steps and month/day names, or one of the
/// descriptors `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
///
/// As upstream, when both day fields are restricted a day matches if either matches; when one
/// of them is `*` (or `?`) the other one alone decides.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// Allowed minutes (bit `n` set: minute `n`).
    public let minutes: UInt64
    /// Allowed hours.
    public let hours: UInt64
    /// Allowed days of the month (1...31).
    public let daysOfMonth: UInt64
    /// Allowed months (1...12).
    public let months: UInt64
    /// Allowed days of the week (0 = Sunday ... 6).
    public let daysOfWeek: UInt64
    /// Whether the day-of-month field was `*`/`?`.
    public let anyDayOfMonth: Bool
    /// Whether the day-of-week field was `*`/`?`.
    public let anyDayOfWeek: Bool
    /// The text it was parsed from.
    public let description: String

    private static let descriptors: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses `text`.
    /// - Throws: ``CronScheduleError`` naming the field and the problem.
    public init(parsing text: String) throws(CronScheduleError) {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("TZ=") || trimmed.hasPrefix("CRON_TZ=") { throw .timeZoneInSchedule }
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let fields = Self.descriptors[trimmed.lowercased()] else { throw .unknownDescriptor(trimmed) }
            expanded = fields
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else { throw .wrongFieldCount(fields.count) }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: [])
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: [])
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31, names: [], question: true)
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames)
        daysOfWeek = try Self.field(fields[4], name: "day of week", range: 0...6, names: Self.dayNames, question: true)
        anyDayOfMonth = fields[2] == "*" || fields[2] == "?"
        anyDayOfWeek = fields[4] == "*" || fields[4] == "?"
        description = trimmed
    }

    /// Parses one field into a bit set.
    static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String], question: Bool = false) throws(CronScheduleError) -> UInt64 {
        var bits: UInt64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            guard !part.isEmpty else { throw .invalidField(field: name, value: text, reason: "empty list element") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2 else { throw .invalidField(field: name, value: part, reason: "more than one step") }
            var step = 1
            if pieces.count == 2 {
                guard let value = Int(pieces[1]), value > 0 else {
                    throw .invalidField(field: name, value: part, reason: "step must be a positive number")
                }
                step = value
            }
            var low: Int
            var high: Int
            let base = pieces[0]
            if base == "*" || (question && base == "?") {
                low = range.lowerBound
                high = range.upperBound
            } else {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard bounds.count <= 2 else { throw .invalidField(field: name, value: part, reason: "malformed range") }
                low = try value(bounds[0], name: name, range: range, names: names)
                high = bounds.count == 2 ? try value(bounds[1], name: name, range: range, names: names)
                    : (pieces.count == 2 ? range.upperBound : low)
                guard low <= high else {
                    throw .invalidField(field: name, value: part, reason: "range start \(low) is after its end \(high)")
                }
            }
            var v = low
            while v <= high {
                bits |= 1 << UInt64(v)
                v += step
            }
        }
        return bits
    }

    private static func value(_ text: String, name: String, range: ClosedRange<Int>, names: [String]) throws(CronScheduleError) -> Int {
        if let index = names.firstIndex(of: text.lowercased()) { return index + range.lowerBound }
        guard let number = Int(text), !text.hasPrefix("+") else {
            throw .invalidField(field: name, value: text, reason: "not a number")
        }
        guard range.contains(number) else {
            throw .invalidField(field: name, value: text, reason: "outside \(range.lowerBound)-\(range.upperBound)")
        }
        return number
    }

    /// Whether the civil day `day` of `month` (weekday `weekday`) matches the day fields.
    func matchesDay(day: Int, weekday: Int) -> Bool {
        let domMatch = daysOfMonth & (1 << UInt64(day)) != 0
        let dowMatch = daysOfWeek & (1 << UInt64(weekday)) != 0
        if anyDayOfMonth || anyDayOfWeek { return domMatch && dowMatch }
        return domMatch || dowMatch
    }

    /// The first scheduled time strictly after `time`, in `zone`; `nil` if none within five
    /// years (a schedule like `0 0 30 2 *`).
    ///
    /// Wall-clock times that a daylight-saving change skips do not fire; times it repeats fire
    /// once, at their first occurrence.
    public func next(after time: Time, in zone: ZoneRules = .utc) -> Time? {
        // Start at the next whole minute of local time.
        var local = time.secondsSinceEpoch + Int64(zone.offset(at: time.secondsSinceEpoch))
        local = (local.cronFloorDiv(60) + 1) * 60
        let limit = local + 5 * 366 * 86_400
        while local < limit {
            let civil = CivilTime(local)
            if months & (1 << UInt64(civil.month)) == 0 {
                local = CivilTime.seconds(year: civil.month == 12 ? civil.year + 1 : civil.year, month: civil.month == 12 ? 1 : civil.month + 1, day: 1)
                continue
            }
            if !matchesDay(day: civil.day, weekday: civil.weekday) {
                local = CivilTime.seconds(year: civil.year, month: civil.month, day: civil.day) + 86_400
                continue
            }
            if hours & (1 << UInt64(civil.hour)) == 0 {
                local = (local.cronFloorDiv(3600) + 1) * 3600
                continue
            }
            if minutes & (1 << UInt64(civil.minute)) == 0 {
                local += 60
                continue
            }
            // A matching wall-clock minute: find its instants (none in a gap, two in an overlap).
            let candidates = zone.instants(ofLocal: local).filter { $0 > time.secondsSinceEpoch }
            if let first = candidates.min() { return Time(secondsSinceEpoch: first) }
            local += 60
        }
        return nil
    }
}

/// Why a cron schedule was rejected.
public enum CronScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The schedule is empty.
    case empty
    /// Not five fields.
    case wrongFieldCount(Int)
    /// An `@` descriptor that is not known.
    case unknownDescriptor(String)
    /// A `TZ=`/`CRON_TZ=` prefix: the time zone belongs in `spec.timeZone`.
    case timeZoneInSchedule
    /// A field's value is malformed or out of range.
    case invalidField(field: String, value: String, reason: String)

    /// A readable explanation.
    public var description: String {
        switch self {
        case .empty: "empty schedule"
        case .wrongFieldCount(let count): "expected exactly 5 fields, found \(count)"
        case .unknownDescriptor(let text): "unrecognized descriptor: \(text)"
        case .timeZoneInSchedule: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
        case .invalidField(let field, let value, let reason): "invalid \(field) field \"\(value)\": \(reason)"
        }
    }
}
