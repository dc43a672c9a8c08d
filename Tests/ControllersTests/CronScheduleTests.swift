@testable import Controllers
import Foundation
import KubeAPI
import Testing

@Suite struct CronScheduleTests {
    static func t(_ text: String) -> Time { Time(text)! }

    @Test(arguments: [
        ("*/15 * * * *", "2026-01-01T00:07:00Z", "2026-01-01T00:15:00Z"),
        ("0 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"),
        ("5,10-12 3 * * *", "2026-01-01T03:10:00Z", "2026-01-01T03:11:00Z"),
        ("0 0 * * MON", "2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z"),
        ("0 0 1 jan,Jul *", "2026-02-01T00:00:00Z", "2026-07-01T00:00:00Z"),
        ("@hourly", "2026-01-01T10:30:00Z", "2026-01-01T11:00:00Z"),
        ("@daily", "2026-01-01T10:30:00Z", "2026-01-02T00:00:00Z"),
        ("@midnight", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        ("@weekly", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),
        ("@monthly", "2026-01-15T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("@yearly", "2026-01-15T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("@annually", "2026-01-15T00:00:00Z", "2027-01-01T00:00:00Z"),
        ("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        // Both day fields restricted: either matches (the 13th, or a Friday).
        ("0 0 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        // One day field '*': the other decides alone.
        ("0 0 * * 5", "2026-01-03T00:00:00Z", "2026-01-09T00:00:00Z"),
        ("0 0 ? * 0", "2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z"),
        ("10/20 * * * *", "2026-01-01T00:31:00Z", "2026-01-01T00:50:00Z"),
    ])
    func nextTimeInUTC(schedule: String, after: String, expected: String) throws {
        let parsed = try CronSchedule(parsing: schedule)
        #expect(parsed.next(after: Self.t(after)) == Self.t(expected))
    }

    @Test(arguments: [
        ("", CronScheduleError.empty),
        ("* * * *", .wrongFieldCount(4)),
        ("* * * * * *", .wrongFieldCount(6)),
        ("@fortnightly", .unknownDescriptor("@fortnightly")),
        ("TZ=UTC * * * * *", .timeZoneInSchedule),
        ("CRON_TZ=Europe/Berlin 0 * * * *", .timeZoneInSchedule),
        ("60 * * * *", .invalidField(field: "minute", value: "60", reason: "outside 0-59")),
        ("* 24 * * *", .invalidField(field: "hour", value: "24", reason: "outside 0-23")),
        ("* * 0 * *", .invalidField(field: "day of month", value: "0", reason: "outside 1-31")),
        ("* * * 13 *", .invalidField(field: "month", value: "13", reason: "outside 1-12")),
        ("* * * * 7", .invalidField(field: "day of week", value: "7", reason: "outside 0-6")),
        ("*/0 * * * *", .invalidField(field: "minute", value: "*/0", reason: "step must be a positive number")),
        ("5-1 * * * *", .invalidField(field: "minute", value: "5-1", reason: "range start 5 is after its end 1")),
        ("a * * * *", .invalidField(field: "minute", value: "a", reason: "not a number")),
        ("1,,2 * * * *", .invalidField(field: "minute", value: "1,,2", reason: "empty list element")),
        ("? * * * *", .invalidField(field: "minute", value: "?", reason: "not a number")),
    ])
    func badSchedulesAreRejected(schedule: String, expected: CronScheduleError) {
        #expect(throws: expected) { try CronSchedule(parsing: schedule) }
        #expect(!expected.description.isEmpty)
    }

    @Test func impossibleScheduleHasNoNextTime() throws {
        let parsed = try CronSchedule(parsing: "0 0 30 2 *")
        #expect(parsed.next(after: Self.t("2026-01-01T00:00:00Z")) == nil)
    }

    @Test(arguments: [
        // New York springs forward on 2026-03-08 02:00 EST: 02:30 does not exist that day.
        ("America/New_York", "30 2 * * *", "2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"),
        // New York falls back on 2026-11-01: 01:30 happens twice and fires once, at the first.
        ("America/New_York", "30 1 * * *", "2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z"),
        ("America/New_York", "30 1 * * *", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"),
        // Berlin: 09:00 local is 08:00Z in winter, 07:00Z after 2026-03-29.
        ("Europe/Berlin", "0 9 * * *", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"),
        ("Europe/Berlin", "0 9 * * *", "2026-03-27T09:00:00Z", "2026-03-28T08:00:00Z"),
        // Far past the TZif table: the footer rule decides (EDT in July 2045).
        ("America/New_York", "0 12 1 7 *", "2045-01-01T00:00:00Z", "2045-07-01T16:00:00Z"),
        ("Asia/Kolkata", "0 0 * * *", "2026-01-01T00:00:00Z", "2026-01-01T18:30:00Z"),
    ])
    func nextTimeInZone(zone: String, schedule: String, after: String, expected: String) throws {
        let rules = try ZoneRules.load(zone)
        let parsed = try CronSchedule(parsing: schedule)
        #expect(parsed.next(after: Self.t(after), in: rules) == Self.t(expected))
    }

    @Test func zoneOffsetsFollowTheTableAndTheFooter() throws {
        let newYork = try ZoneRules.load("America/New_York")
        #expect(newYork.offset(at: Self.t("2026-01-15T12:00:00Z").secondsSinceEpoch) == -5 * 3600)
        #expect(newYork.offset(at: Self.t("2026-07-15T12:00:00Z").secondsSinceEpoch) == -4 * 3600)
        #expect(newYork.offset(at: Self.t("2090-07-15T12:00:00Z").secondsSinceEpoch) == -4 * 3600)
        #expect(newYork.offset(at: Self.t("2090-12-15T12:00:00Z").secondsSinceEpoch) == -5 * 3600)
        let sydney = try ZoneRules.load("Australia/Sydney")
        #expect(sydney.offset(at: Self.t("2090-01-15T12:00:00Z").secondsSinceEpoch) == 11 * 3600)
        #expect(sydney.offset(at: Self.t("2090-07-15T12:00:00Z").secondsSinceEpoch) == 10 * 3600)
    }

    @Test(arguments: [
        ("EST5EDT,M3.2.0,M11.1.0", "2030-07-01T00:00:00Z", -4 * 3600),
        ("EST5EDT,M3.2.0,M11.1.0", "2030-01-01T00:00:00Z", -5 * 3600),
        ("CET-1CEST,M3.5.0,M10.5.0/3", "2030-07-01T00:00:00Z", 2 * 3600),
        ("<+0530>-5:30", "2030-07-01T00:00:00Z", 19_800),
        ("AEST-10AEDT,M10.1.0,M4.1.0/3", "2030-01-01T00:00:00Z", 11 * 3600),
    ])
    func posixRules(rule: String, at: String, offset: Int) throws {
        let parsed = try #require(PosixTimeZoneRule(rule))
        #expect(parsed.offset(at: Self.t(at).secondsSinceEpoch) == offset)
    }

    @Test(arguments: ["Mars/Olympus_Mons", "../etc/passwd", "/etc/localtime", "Europe//Berlin"])
    func badZonesAreRejected(zone: String) {
        #expect(throws: ZoneRulesError.self) { try ZoneRules.load(zone) }
    }

    @Test func corruptZoneFileIsRejected() {
        #expect(throws: ZoneRulesError.corrupt("X")) { try ZoneRules(identifier: "X", tzif: Array("TZif2 garbage".utf8)) }
        #expect(throws: ZoneRulesError.corrupt("X")) { try ZoneRules(identifier: "X", tzif: []) }
    }

    @Test func timingCountsMissedTimesAndHonoursTheDeadline() throws {
        let schedule = try CronSchedule(parsing: "*/1 * * * *")
        var cronJob = BatchV1.CronJob(metadata: MetaV1.ObjectMeta(creationTimestamp: Self.t("2026-01-01T00:00:30Z"), name: "c"),
                                      spec: BatchV1.CronJobSpec(schedule: "*/1 * * * *"))
        let now = Self.t("2026-01-01T00:03:10Z")
        var timing = CronJobTiming(cronJob: cronJob, schedule: schedule, zone: .utc, now: now)
        #expect(timing.due == Self.t("2026-01-01T00:03:00Z"))
        #expect(timing.missed == 3)
        #expect(timing.next == Self.t("2026-01-01T00:04:00Z"))
        #expect(!timing.tooLate)
        cronJob.spec?.startingDeadlineSeconds = 5
        timing = CronJobTiming(cronJob: cronJob, schedule: schedule, zone: .utc, now: now)
        #expect(timing.due == nil)
        cronJob.spec?.startingDeadlineSeconds = nil
        timing = CronJobTiming(cronJob: cronJob, schedule: schedule, zone: .utc, now: Self.t("2026-01-02T00:00:10Z"))
        #expect(timing.missed > 100)
        #expect(timing.due == Self.t("2026-01-02T00:00:00Z"))
        #expect(CronJobTiming.jobName(cronJob: "c", scheduled: Self.t("2026-01-02T00:00:00Z")) == "c-\(Self.t("2026-01-02T00:00:00Z").secondsSinceEpoch / 60)")
    }
}
