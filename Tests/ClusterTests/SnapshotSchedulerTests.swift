import Controllers
import Datastore
import Foundation
import KubeAPI
import Logging
import Testing
@testable import Cluster

@Suite struct SnapshotSchedulerTests {
    let logger = Logger(label: "test.snapshots")

    /// 2026-12-07T18:17:30Z.
    static let start = Date(timeIntervalSince1970: 1_796_667_450)

    /// Polls `condition` until it holds or 30 seconds pass (a loaded CI machine is slow to copy a store).
    func waitFor(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting for \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func settingsDefaultsAndFlags() throws {
        let defaults = SnapshotSettings(dataDir: "/var/lib/rancher/k3s/")
        #expect(defaults.schedule.description == "0 */12 * * *")
        #expect(defaults.retention == 5)
        #expect(defaults.directory == "/var/lib/rancher/k3s/server/db/snapshots")
        #expect(defaults.name == "etcd-snapshot")
        #expect(!defaults.disabled)

        var options = ServerOptions()
        options.set("data-dir", "/data")
        options.set("etcd-snapshot-schedule-cron", "*/5 * * * *")
        options.set("etcd-snapshot-retention", "2")
        options.set("etcd-snapshot-dir", "/backups/")
        options.set("etcd-snapshot-name", "nightly")
        options.set("etcd-disable-snapshots", flag: true)
        let configuration = try ServerConfiguration(options: options, host: testHost)
        #expect(configuration.snapshots.schedule.description == "*/5 * * * *")
        #expect(configuration.snapshots.retention == 2)
        #expect(configuration.snapshots.directory == "/backups")
        #expect(configuration.snapshots.name == "nightly")
        #expect(configuration.snapshots.disabled)
        #expect(try ServerConfiguration(options: ServerOptions(["data-dir": .scalar("/d")]), host: testHost).snapshots.directory
            == "/d/server/db/snapshots")
    }

    @Test func theDefaultScheduleFiresAtMidnightAndNoonLocalTime() throws {
        let schedule = SnapshotSettings(dataDir: "/d").schedule
        // 2026-12-07T18:17:30Z → midnight UTC; strictly after a fire time → noon.
        #expect(schedule.next(after: Time(Self.start), in: .utc)?.description == "2026-12-08T00:00:00Z")
        #expect(try schedule.next(after: Time(parsing: "2026-12-08T00:00:00Z"), in: .utc)?.description == "2026-12-08T12:00:00Z")
        // In Paris (UTC+1 in December) local midnight is 23:00 UTC.
        let paris = SnapshotSettings.localZone(environment: "Europe/Paris")
        #expect(paris.identifier == "Europe/Paris")
        #expect(schedule.next(after: Time(Self.start), in: paris)?.description == "2026-12-07T23:00:00Z")
        #expect(SnapshotSettings.localZone(environment: ":Europe/Paris").identifier == "Europe/Paris")
    }

    @Test func badFlagsAreRefusedWithTheirName() {
        for (flag, value, message) in [
            ("etcd-snapshot-schedule-cron", "0 */12 * *", "invalid cron expression: expected exactly 5 fields, found 4"),
            ("etcd-snapshot-schedule-cron", "61 * * * *", "invalid minute field"),
            ("etcd-snapshot-schedule-cron", "@every 5m", "unrecognized descriptor"),
            ("etcd-snapshot-retention", "-1", "whole number"),
            ("etcd-snapshot-retention", "five", "whole number"),
            ("etcd-snapshot-name", "a/b", "without '/'"),
        ] {
            var options = ServerOptions()
            options.set(flag, value)
            #expect {
                _ = try ServerConfiguration(options: options, host: testHost)
            } throws: { error in
                "\(error)".contains(flag) && "\(error)".contains(message)
            }
        }
    }

    @Test func configFileKeysAreKnown() throws {
        var warnings: [String] = []
        let entries = [
            ConfigEntry(key: "etcd-snapshot-schedule-cron", value: .scalar("0 3 * * *"), appends: false, file: "config.yaml", line: 1),
            ConfigEntry(key: "etcd-snapshot-retention", value: .scalar("9"), appends: false, file: "config.yaml", line: 2),
        ]
        let options = try ServerOptions.fromConfigFiles(entries, warn: { warnings.append($0) })
        #expect(warnings.isEmpty)
        let configuration = try ServerConfiguration(options: options, host: testHost)
        #expect(configuration.snapshots.retention == 9)
        #expect(configuration.snapshots.schedule.description == "0 3 * * *")
    }

    @Test func directoryNamesListsDeletesAndPrunes() async throws {
        let tmp = try TemporaryDirectory()
        let directory = SnapshotDirectory(path: tmp.file("snapshots"))
        #expect(directory.list().isEmpty)
        for (prefix, offset) in [("etcd-snapshot", 0), ("on-demand", 10), ("etcd-snapshot", 20), ("etcd-snapshot", 30)] {
            let entry = try await directory.save(prefix: prefix, nodeName: "node1", at: Self.start + Double(offset)) { path in
                try "snapshot \(offset)".write(toFile: path, atomically: true, encoding: .utf8)
            }
            #expect(entry.name == "\(prefix)-node1-\(1_796_667_450 + offset)")
        }
        try "partial".write(toFile: tmp.file("snapshots/etcd-snapshot-node1-1.tmp-1-2"), atomically: true, encoding: .utf8)
        let listed = directory.list()
        #expect(listed.map(\.name) == [
            "etcd-snapshot-node1-1796667450", "on-demand-node1-1796667460", "etcd-snapshot-node1-1796667470",
            "etcd-snapshot-node1-1796667480",
        ])
        #expect(listed[0].size == "snapshot 0".utf8.count)
        #expect(listed[0].location == "file://" + tmp.file("snapshots/etcd-snapshot-node1-1796667450"))
        #expect(listed[0].createdRFC3339 == "2026-12-07T18:17:30Z")

        #expect(try directory.prune(prefix: "etcd-snapshot", retention: 2) == ["etcd-snapshot-node1-1796667450"])
        #expect(directory.list().count == 3, "on-demand snapshots are not pruned with the scheduled ones")
        #expect(try directory.prune(prefix: "etcd-snapshot", retention: 0).isEmpty)

        #expect(try directory.delete(["on-demand-node1-1796667460"]) == ["on-demand-node1-1796667460"])
        #expect {
            try directory.delete(["no-such-snapshot", "../escape/x"])
        } throws: { error in
            "\(error)".contains("no-such-snapshot: No such file") && "\(error)".contains("not a snapshot name")
        }
    }

    @Test func schedulerSnapshotsOnScheduleAndKeepsTheRetention() async throws {
        let tmp = try TemporaryDirectory()
        let store = try SQLiteDatastore(configuration: .init(path: tmp.file("state.db")), logger: logger)
        _ = try await store.create(key: "/registry/configmaps/default/a", value: Array("one".utf8))
        var settings = SnapshotSettings(dataDir: tmp.path)
        settings.schedule = try CronSchedule(parsing: "0 * * * *")
        settings.retention = 2
        #expect(settings.name == "etcd-snapshot")
        let clock = ManualWallClock(Self.start)
        let scheduler = SnapshotScheduler(
            settings: settings, nodeName: "server1", clock: clock, zone: .utc,
            take: { path in try await store.snapshot(to: path) }, logger: logger)
        let task = Task { await scheduler.runSchedule() }
        defer {
            task.cancel()
            clock.cancelAll()
        }
        let directory = SnapshotDirectory(path: settings.directory)
        try await waitFor("the scheduler to wait") { clock.sleeperCount == 1 }
        #expect(clock.nextWake == Date(timeIntervalSince1970: 1_796_670_000), "the next whole hour, 19:00")
        #expect(directory.list().isEmpty, "nothing before the first fire time")

        for hour in 0..<3 {
            let fire = Date(timeIntervalSince1970: 1_796_670_000 + Double(hour) * 3600)
            clock.advance(to: fire)
            try await waitFor("snapshot \(hour)") {
                directory.list().contains { $0.name == "etcd-snapshot-server1-\(Int(fire.timeIntervalSince1970))" } && clock.sleeperCount == 1
            }
        }
        #expect(directory.list().map(\.name) == ["etcd-snapshot-server1-1796673600", "etcd-snapshot-server1-1796677200"])

        // A snapshot is a datastore holding what the store held.
        let newest = try #require(directory.list().last)
        let restoredPath = tmp.file("restored.db")
        try SQLiteDatastore.restore(snapshot: newest.path, to: restoredPath)
        let restored = try SQLiteDatastore(configuration: .init(path: restoredPath), logger: logger)
        #expect(try await restored.get(key: "/registry/configmaps/default/a", revision: nil)?.value == Array("one".utf8))
        try await restored.close()
        try await store.close()
    }

    @Test func aFailedSnapshotIsLoggedAndTheScheduleGoesOn() async throws {
        let tmp = try TemporaryDirectory()
        var settings = SnapshotSettings(dataDir: tmp.path)
        settings.schedule = try CronSchedule(parsing: "*/10 * * * *")
        let clock = ManualWallClock(Self.start)
        let attempts = Counter()
        let scheduler = SnapshotScheduler(
            settings: settings, nodeName: "n", clock: clock, zone: .utc,
            take: { path in
                attempts.increment()
                if attempts.value == 1 { throw SnapshotDirectory.Failure(description: "disk full") }
                try "ok".write(toFile: path, atomically: true, encoding: .utf8)
            }, logger: logger)
        let task = Task { await scheduler.runSchedule() }
        defer {
            task.cancel()
            clock.cancelAll()
        }
        try await waitFor("the scheduler to wait") { clock.sleeperCount == 1 }
        clock.advance(to: Self.start + 150)  // 18:20
        try await waitFor("the failed attempt") { attempts.value == 1 && clock.sleeperCount == 1 }
        #expect(SnapshotDirectory(path: settings.directory).list().isEmpty)
        clock.advance(to: Self.start + 750)  // 18:30
        try await waitFor("the second attempt") { SnapshotDirectory(path: settings.directory).list().count == 1 }
    }

    @Test func serverGetsASchedulerOnlyForSQLiteWithSnapshotsOn() async throws {
        let tmp = try TemporaryDirectory()
        var configuration = ServerConfiguration(dataDir: tmp.path, host: testHost)
        let sqlite = try SQLiteDatastore(configuration: .init(path: tmp.file("state.db")), logger: logger)
        #expect(SnapshotScheduler.forServer(configuration: configuration, datastore: sqlite, logger: logger)?.nodeName == "testhost")
        #expect(SnapshotScheduler.forServer(configuration: configuration, datastore: InMemoryDatastore(), logger: logger) == nil)
        configuration.snapshots.disabled = true
        #expect(SnapshotScheduler.forServer(configuration: configuration, datastore: sqlite, logger: logger) == nil)
        try await sqlite.close()
    }
}

/// A thread-safe counter for closures tests hand out.
final class Counter: Sendable {
    private let storage = Mutex(0)
    var value: Int { storage.withLock { $0 } }
    func increment() { storage.withLock { $0 += 1 } }
}

import Synchronization
