#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A point in time with second precision, written in RFC 3339 form in UTC (`2024-05-01T12:00:00Z`).
///
/// Any RFC 3339 timestamp is accepted (offsets, fractional seconds, lower-case `t`/`z`);
/// fractional seconds are truncated, as the API server's wire format keeps whole seconds only.
public struct Time: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public var secondsSinceEpoch: Int64

    /// Creates a time from whole seconds since the Unix epoch.
    public init(secondsSinceEpoch: Int64) {
        self.secondsSinceEpoch = secondsSinceEpoch
    }

    /// Creates a time from a `Date`, truncating to the whole second at or before it.
    public init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        self.secondsSinceEpoch = Int64(interval.rounded(.down))
    }

    /// The current time, truncated to the second.
    public static func now() -> Time { Time(Date()) }

    /// The time as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: Double(secondsSinceEpoch)) }

    /// Parses an RFC 3339 timestamp, truncating fractional seconds.
    ///
    /// - Throws: ``TimeParseError`` for malformed text, out-of-range fields (month 13, February 30,
    ///   hour 24) or a missing time zone.
    public init(parsing text: String) throws(TimeParseError) {
        let instant = try RFC3339.parse(text)
        self.secondsSinceEpoch = instant.seconds
    }

    /// Parses an RFC 3339 timestamp; `nil` when the text is not valid (see ``init(parsing:)``).
    public init?(_ text: String) {
        guard let time = try? Time(parsing: text) else { return nil }
        self = time
    }

    /// The UTC form written on the wire: `2024-01-02T03:04:05Z`.
    public var description: String { RFC3339.format(seconds: secondsSinceEpoch) }

    /// Orders chronologically.
    public static func < (lhs: Time, rhs: Time) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

    /// Decodes from an RFC 3339 string.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the string is not a valid timestamp.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Time(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the UTC form.
    ///
    /// - Throws: `EncodingError.invalidValue` for years outside 0000...9999, which RFC 3339 cannot express.
    public func encode(to encoder: any Encoder) throws {
        try RFC3339.checkEncodable(seconds: secondsSinceEpoch, value: self, codingPath: encoder.codingPath)
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension RFC3339 {
    /// Seconds since the epoch of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z.
    static let encodableRange: Range<Int64> = daysFromCivil(year: 0, month: 1, day: 1) * 86_400..<daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400

    static func checkEncodable(seconds: Int64, value: Any, codingPath: [any CodingKey]) throws {
        guard encodableRange.contains(seconds) else {
            throw EncodingError.invalidValue(
                value, EncodingError.Context(codingPath: codingPath, debugDescription: "year outside of range [0,9999]"))
        }
    }
}
