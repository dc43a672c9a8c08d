import Foundation
import Testing
@testable import KubeAPI

@Suite struct TimeTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0, "1970-01-01T00:00:00Z"),
        ("2024-01-02T03:04:05Z", 1_704_164_645, "2024-01-02T03:04:05Z"),
        ("2024-01-02t03:04:05z", 1_704_164_645, "2024-01-02T03:04:05Z"),
        ("2024-01-02T03:04:05.999999999Z", 1_704_164_645, "2024-01-02T03:04:05Z"),
        ("2024-01-02T04:04:05+01:00", 1_704_164_645, "2024-01-02T03:04:05Z"),
        ("2024-01-01T22:34:05-04:30", 1_704_164_645, "2024-01-02T03:04:05Z"),
        ("2024-02-29T23:59:59Z", 1_709_251_199, "2024-02-29T23:59:59Z"),
        ("2000-02-29T00:00:00Z", 951_782_400, "2000-02-29T00:00:00Z"),
        ("1969-12-31T23:59:59Z", -1, "1969-12-31T23:59:59Z"),
        ("1969-12-31T23:59:59.5Z", -1, "1969-12-31T23:59:59Z"),
        ("0001-01-01T00:00:00Z", -62_135_596_800, "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59Z", 253_402_300_799, "9999-12-31T23:59:59Z"),
    ] as [(String, Int64, String)])
    func parsesAndFormats(text: String, seconds: Int64, canonical: String) throws {
        let time = try Time(parsing: text)
        #expect(time.secondsSinceEpoch == seconds)
        #expect(time.description == canonical)
        #expect(Time(text) == time)
    }

    @Test(arguments: [
        ("", "expected 4-digit year"),
        ("2024-13-01T00:00:00Z", "month 13 out of range"),
        ("2024-00-01T00:00:00Z", "month 0 out of range"),
        ("2024-02-30T00:00:00Z", "day 30 out of range"),
        ("2023-02-29T00:00:00Z", "day 29 out of range"),
        ("1900-02-29T00:00:00Z", "day 29 out of range"),
        ("2024-04-31T00:00:00Z", "day 31 out of range"),
        ("2024-01-02T24:00:00Z", "hour 24 out of range"),
        ("2024-01-02T23:60:00Z", "minute 60 out of range"),
        ("2024-01-02T23:59:60Z", "second 60 out of range"),
        ("2024-01-02T03:04:05", "missing time zone"),
        ("2024-01-02 03:04:05Z", "'T' between date and time"),
        ("2024-01-02T03:04:05.Z", "digits after '.'"),
        ("2024-01-02T03:04:05+0100", "':' in the time zone offset"),
        ("2024-01-02T03:04:05+24:00", "offset hour 24 out of range"),
        ("2024-01-02T03:04:05ZZ", "after the time zone"),
        ("24-01-02T03:04:05Z", "4-digit year"),
        ("2024-1-02T03:04:05Z", "2-digit month"),
        ("not a time", "4-digit year"),
    ])
    func rejectsInvalidTimestamps(text: String, fragment: String) {
        #expect {
            _ = try Time(parsing: text)
        } throws: { error in
            guard let error = error as? TimeParseError else { return false }
            return error.input == text && error.message.contains(fragment)
        }
        #expect(Time(text) == nil)
        #expect(MicroTime(text) == nil)
    }

    @Test(arguments: [
        ("2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05.123456Z"),
        ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000000Z"),
        ("2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.100000Z"),
        ("2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456Z"),
        ("2024-01-02T05:04:05.000001+02:00", "2024-01-02T03:04:05.000001Z"),
        ("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"),
    ])
    func microTimeFormatsSixDigits(text: String, canonical: String) throws {
        let time = try MicroTime(parsing: text)
        #expect(time.description == canonical)
        #expect(try MicroTime(parsing: canonical) == time)
    }

    @Test func ordering() throws {
        let a = try Time(parsing: "2024-01-02T03:04:05Z")
        let b = try Time(parsing: "2024-01-02T03:04:06+00:00")
        let c = try Time(parsing: "2024-01-02T04:04:04+01:00")
        #expect(a < b)
        #expect(c < a)
        let m1 = try MicroTime(parsing: "2024-01-02T03:04:05.000001Z")
        let m2 = try MicroTime(parsing: "2024-01-02T03:04:05.000002Z")
        #expect(m1 < m2)
        #expect(MicroTime(a) < m1)
        #expect(m1.time == a)
    }

    @Test func dateConversion() throws {
        let time = try Time(parsing: "2024-01-02T03:04:05Z")
        #expect(time.date.timeIntervalSince1970 == 1_704_164_645)
        #expect(Time(Date(timeIntervalSince1970: 1_704_164_645.9)) == time)
        #expect(Time(Date(timeIntervalSince1970: -0.5)).secondsSinceEpoch == -1)
        let micro = MicroTime(Date(timeIntervalSince1970: 1_704_164_645.25))
        #expect(micro.description == "2024-01-02T03:04:05.250000Z")
        #expect(micro.date.timeIntervalSince1970 == 1_704_164_645.25)
    }

    @Test func nowIsCloseToTheSystemClock() {
        let before = Int64(Date().timeIntervalSince1970)
        let now = Time.now()
        let after = Int64(Date().timeIntervalSince1970)
        #expect(now.secondsSinceEpoch >= before && now.secondsSinceEpoch <= after)
        let micro = MicroTime.now()
        #expect(micro.time.secondsSinceEpoch >= before && micro.time.secondsSinceEpoch <= after + 1)
    }

    struct Holder: Codable, Equatable {
        var t: Time
        var m: MicroTime?
    }

    @Test func codableRoundTrip() throws {
        let json = #"{"t":"2024-01-02T04:04:05.7+01:00","m":"2024-01-02T03:04:05.123456789Z"}"#
        let holder = try JSONDecoder().decode(Holder.self, from: Data(json.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try encoder.encode(holder), as: UTF8.self)
        #expect(text == #"{"m":"2024-01-02T03:04:05.123456Z","t":"2024-01-02T03:04:05Z"}"#)
    }

    @Test(arguments: [#"{"t":"2024-13-01T00:00:00Z"}"#, #"{"t":"2024-02-30T00:00:00Z"}"#, #"{"t":"2024-01-01T00:00:00"}"#, #"{"t":5}"#])
    func decodingInvalidThrows(json: String) {
        #expect(throws: DecodingError.self) {
            _ = try JSONDecoder().decode(Holder.self, from: Data(json.utf8))
        }
    }

    @Test func encodingOutOfRangeYearThrows() {
        let far = Time(secondsSinceEpoch: 300_000_000_000)
        #expect(throws: EncodingError.self) { _ = try JSONEncoder().encode([far]) }
    }
}
