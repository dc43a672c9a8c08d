import Testing
import KubeAPI

@Suite struct GoDurationTests {
    static let parsed: [(String, Int64)] = [
        ("0", 0), ("-0", 0), ("+0", 0), ("0s", 0), ("1ns", 1), ("1us", 1_000), ("1µs", 1_000), ("1μs", 1_000),
        ("300ms", 300_000_000), ("1.5s", 1_500_000_000), (".5s", 500_000_000), ("5.s", 5_000_000_000),
        ("1h2m3.5s", 3_723_500_000_000), ("-1.5h", -5_400_000_000_000), ("+45s", 45_000_000_000),
        ("1h30m", 5_400_000_000_000), ("90m", 5_400_000_000_000), ("2h45m10s", 9_910_000_000_000),
        ("1.0000000001s", 1_000_000_000), ("0.000000001s", 1), ("1s500ms", 1_500_000_000),
        ("9223372036854775807ns", Int64.max), ("-9223372036854775808ns", Int64.min),
        ("2562047h47m16.854775807s", Int64.max),
    ]

    @Test(arguments: parsed)
    func parses(_ text: String, _ nanoseconds: Int64) throws {
        #expect(try GoDuration(parsing: text).nanoseconds == nanoseconds)
    }

    static let refused: [(String, String)] = [
        ("", "expected a number"), ("-", "expected a number"), ("s", "expected a number"), (".s", "expected a number"),
        ("10", "missing unit"), ("1h5", "missing unit"), ("00", "missing unit"),
        ("5d", "unknown unit \"d\""), ("3x", "unknown unit"), ("1h 2m", "unknown unit \"h \""), (" 1h", "expected a number"),
        ("1H", "unknown unit"), ("--1s", "expected a number"),
        ("9223372036854775808ns", "out of range"), ("2562048h", "out of range"), ("99999999999999999999s", "out of range"),
        ("2562047h47m16.854775808s", "out of range"), ("-2562047h47m16.854775809s", "out of range"),
    ]

    @Test(arguments: refused)
    func refuses(_ text: String, _ reason: String) {
        do {
            let value = try GoDuration(parsing: text)
            Issue.record("\(text.debugDescription) parsed as \(value.nanoseconds)ns")
        } catch {
            #expect(error.text == text)
            #expect(error.reason.contains(reason), "\(error)")
            #expect(error.description.hasPrefix("invalid duration \"\(text)\": "))
        }
    }

    static let formatted: [(Int64, String)] = [
        (0, "0s"), (1, "1ns"), (999, "999ns"), (1_000, "1µs"), (1_500, "1.5µs"), (-1_500, "-1.5µs"),
        (1_000_000, "1ms"), (250_000_000, "250ms"), (1_234_567, "1.234567ms"), (1_000_000_000, "1s"),
        (45_000_000_000, "45s"), (60_000_000_000, "1m0s"), (3_600_000_000_000, "1h0m0s"),
        (3_723_500_000_000, "1h2m3.5s"), (-5_400_000_000_000, "-1h30m0s"), (1_000_000_001, "1.000000001s"),
        (Int64.max, "2562047h47m16.854775807s"), (Int64.min, "-2562047h47m16.854775808s"),
    ]

    @Test(arguments: formatted)
    func formatsAsGoDoes(_ nanoseconds: Int64, _ text: String) throws {
        let duration = GoDuration(nanoseconds: nanoseconds)
        #expect(duration.description == text)
        #expect(try GoDuration(parsing: text) == duration)
    }

    @Test func convertsToSwiftDurationAndSeconds() throws {
        #expect(try GoDuration(parsing: "1.5s").duration == .milliseconds(1500))
        #expect(GoDuration(seconds: 90) == GoDuration(nanoseconds: 90_000_000_000))
        #expect(GoDuration(seconds: Int64.max) == nil)
        #expect(try GoDuration(parsing: "1m") < GoDuration(parsing: "61s"))
    }
}
