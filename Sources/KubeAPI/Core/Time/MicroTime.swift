#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A point in time with microsecond precision, written in UTC as `2024-05-01T12:00:00.123456Z`
/// (used by events and leases).
///
/// Any RFC 3339 timestamp is accepted; digits beyond microseconds are truncated.
public struct MicroTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Microseconds since 1970-01-01T00:00:00Z.
    public var microsecondsSinceEpoch: Int64

    /// Creates a time from microseconds since the Unix epoch.
    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    /// Creates a time from a `Date`, truncating to the microsecond at or before it.
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds = interval.rounded(.down)
        let micros = ((interval - seconds) * 1_000_000).rounded(.down)
        self.microsecondsSinceEpoch = Int64(seconds) * 1_000_000 + Int64(micros)
    }

    /// Converts a second-precision time.
    public init(_ time: Time) {
        self.microsecondsSinceEpoch = time.secondsSinceEpoch * 1_000_000
    }

    /// The current time, truncated to the microsecond.
    public static func now() -> MicroTime { MicroTime(Date()) }

    /// The time as a `Date` (subject to `Double` precision).
    public var date: Date {
        let (seconds, micros) = splitSeconds
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    /// The time truncated to whole seconds.
    public var time: Time { Time(secondsSinceEpoch: splitSeconds.seconds) }

    /// Whole seconds (rounded down) and the microseconds within that second.
    var splitSeconds: (seconds: Int64, micros: Int64) {
        var seconds = microsecondsSinceEpoch / 1_000_000
        var micros = microsecondsSinceEpoch % 1_000_000
        if micros < 0 {
            micros += 1_000_000
            seconds -= 1
        }
        return (seconds, micros)
    }

    /// Parses an RFC 3339 timestamp, truncating below microseconds.
    ///
    /// - Throws: ``TimeParseError`` for malformed text, out-of-range fields or a missing time zone.
    public init(parsing text: String) throws(TimeParseError) {
        let instant = try RFC3339.parse(text)
        self.microsecondsSinceEpoch = instant.seconds * 1_000_000 + instant.nanoseconds / 1000
    }

    /// Parses an RFC 3339 timestamp; `nil` when the text is not valid (see ``init(parsing:)``).
    public init?(_ text: String) {
        guard let time = try? MicroTime(parsing: text) else { return nil }
        self = time
    }

    /// The UTC form written on the wire, always with six fractional digits.
    public var description: String {
        let (seconds, micros) = splitSeconds
        return RFC3339.format(seconds: seconds, fraction: micros, fractionDigits: 6)
    }

    /// Orders chronologically.
    public static func < (lhs: MicroTime, rhs: MicroTime) -> Bool {
        lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
    }

    /// Decodes from an RFC 3339 string.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a valid timestamp.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try MicroTime(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the UTC form with six fractional digits.
    ///
    /// - Throws: `EncodingError.invalidValue` for years outside 0000...9999.
    public func encode(to encoder: any Encoder) throws {
        try RFC3339.checkEncodable(seconds: splitSeconds.seconds, value: self, codingPath: encoder.codingPath)
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
