import ClusterTesting
import Datastore
import Foundation
import Testing

/// Opens a store in a fresh directory, runs `body`, closes the store and removes the directory.
func withSQLiteStore<T>(
    compaction: CompactionPolicy = .disabled,
    maintenanceInterval: Duration = .seconds(1),
    _ body: (SQLiteDatastore, TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let store = try SQLiteDatastore(configuration: .init(
        path: directory.file("state.db"), compaction: compaction, maintenanceInterval: maintenanceInterval))
    do {
        let result = try await body(store, directory)
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

@Suite("SQLiteDatastore")
struct SQLiteDatastoreTests {
    @Test func writesReadsAndChecks() async throws {
        try await withSQLiteStore { store, _ in
            #expect(try await store.currentRevision == 0)
            let first = try await store.create(key: "/registry/a", value: bytes("1"))
            #expect(first == 1)
            await #expect(throws: DatastoreError.alreadyExists(key: "/registry/a")) {
                try await store.create(key: "/registry/a", value: bytes("again"))
            }
            let second = try await store.update(key: "/registry/a", value: bytes("2"), expectedRevision: first)
            #expect(second == 2)
            let current = KeyValue(key: "/registry/a", value: bytes("2"), createRevision: 1, modRevision: 2)
            await #expect(throws: DatastoreError.conflict(key: "/registry/a", expectedRevision: 1, current: current)) {
                try await store.update(key: "/registry/a", value: bytes("3"), expectedRevision: first)
            }
            #expect(try await store.get(key: "/registry/a", revision: nil) == current)
            #expect(try await store.get(key: "/registry/a", revision: 1)?.value == bytes("1"))
            let deleted = try await store.delete(key: "/registry/a", expectedRevision: 2)
            #expect(deleted.revision == 3)
            #expect(deleted.deleted == current)
            #expect(try await store.get(key: "/registry/a", revision: nil) == nil)
            await #expect(throws: DatastoreError.notFound(key: "/registry/a")) {
                try await store.update(key: "/registry/a", value: bytes("4"), expectedRevision: 3)
            }
            // Re-creating a deleted key starts a new life.
            let again = try await store.create(key: "/registry/a", value: bytes("5"))
            #expect(try await store.get(key: "/registry/a", revision: nil) == KeyValue(key: "/registry/a", value: bytes("5"), createRevision: again, modRevision: again))
            await #expect(throws: DatastoreError.futureRevision(requested: 99, currentRevision: 4)) {
                try await store.get(key: "/registry/a", revision: 99)
            }
        }
    }

    @Test func listsPagesAtOneRevision() async throws {
        try await withSQLiteStore { store, _ in
            for index in 0..<25 {
                _ = try await store.create(key: "/registry/pods/p\(String(format: "%02d", index))", value: bytes("\(index)"))
            }
            _ = try await store.create(key: "/registry/services/s", value: bytes("s"))
            _ = try await store.delete(key: "/registry/pods/p03", expectedRevision: nil)
            #expect(try await store.count(prefix: "/registry/pods/") == 24)
            #expect(try await store.count(prefix: "/registry/") == 25)

            var page = try await store.list(prefix: "/registry/pods/", revision: nil, limit: 10, continueToken: nil)
            let listRevision = page.revision
            #expect(page.items.count == 10)
            #expect(page.remainingCount == 14)
            var keys = page.items.map(\.key)
            // Writes after the first page do not show up in later pages.
            _ = try await store.create(key: "/registry/pods/p99", value: bytes("late"))
            while let token = page.continueToken {
                page = try await store.list(prefix: "/registry/pods/", revision: nil, limit: 10, continueToken: token)
                #expect(page.revision == listRevision)
                keys += page.items.map(\.key)
            }
            let expected = (0..<25).filter { $0 != 3 }.map { "/registry/pods/p\(String(format: "%02d", $0))" }
            #expect(keys == expected)
            await #expect(throws: DatastoreError.self) {
                try await store.list(prefix: "/registry/pods/", revision: nil, limit: 10, continueToken: "garbage")
            }
        }
    }

    @Test(arguments: [
        ("", "empty key"),
        ("/other/x", "outside the prefix"),
        ("/registry/", "the prefix itself"),
        ("/registry/a\u{0}b", "NUL byte"),
    ])
    func rejectsBadKeys(key: String, why: String) async throws {
        try await withSQLiteStore { store, _ in
            await #expect(throws: DatastoreError.self, "\(why)") {
                try await store.create(key: key, value: bytes("x"))
            }
            do {
                _ = try await store.create(key: key, value: bytes("x"))
            } catch let error as DatastoreError {
                guard case .invalidKey = error else {
                    Issue.record("expected invalidKey, got \(error)")
                    return
                }
            }
            #expect(try await store.currentRevision == 0)
        }
    }

    @Test func rejectsOversizedValues() async throws {
        try await withSQLiteStore { store, _ in
            let big = [UInt8](repeating: 7, count: maximumValueSize + 1)
            await #expect(throws: DatastoreError.valueTooLarge(key: "/registry/big", size: maximumValueSize + 1, limit: maximumValueSize)) {
                try await store.create(key: "/registry/big", value: big)
            }
            #expect(try await store.currentRevision == 0)
            // The limit itself is accepted and round-trips.
            let atLimit = [UInt8](repeating: 9, count: maximumValueSize)
            _ = try await store.create(key: "/registry/big", value: atLimit)
            #expect(try await store.get(key: "/registry/big", revision: nil)?.value == atLimit)
        }
    }

    @Test func persistsAcrossReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        do {
            let store = try SQLiteDatastore(configuration: .init(path: path, compaction: .disabled))
            for index in 0..<50 {
                _ = try await store.create(key: "/registry/k\(index)", value: bytes("v\(index)"))
            }
            _ = try await store.update(key: "/registry/k1", value: bytes("changed"), expectedRevision: 2)
            _ = try await store.delete(key: "/registry/k2", expectedRevision: nil)
            try await store.compact(upTo: 10)
            try await store.close()
        }
        let store = try SQLiteDatastore(configuration: .init(path: path, compaction: .disabled))
        #expect(try await store.currentRevision == 52)
        #expect(try await store.compactedRevision == 10)
        #expect(try await store.get(key: "/registry/k1", revision: nil)?.value == bytes("changed"))
        #expect(try await store.get(key: "/registry/k1", revision: 50)?.value == bytes("v1"))
        #expect(try await store.get(key: "/registry/k2", revision: nil) == nil)
        #expect(try await store.count(prefix: "/registry/") == 49)
        #expect(try await store.create(key: "/registry/new", value: bytes("n")) == 53)
        try await store.verify()
        try await store.close()
        await #expect(throws: DatastoreError.closed) {
            try await store.get(key: "/registry/k1", revision: nil)
        }
    }

    @Test func groupCommitSharesTransactions() async throws {
        try await withSQLiteStore { store, _ in
            let writers = 16
            let perWriter = 100
            let revisions = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var revisions: [Int64] = []
                        for index in 0..<perWriter {
                            revisions.append(try await store.create(key: "/registry/w\(writer)/k\(index)", value: bytes("\(index)")))
                        }
                        return revisions
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let total = writers * perWriter
            #expect(Set(revisions) == Set(1...Int64(total)))
            #expect(try await store.count(prefix: "/registry/") == total)
            let statistics = store.statistics
            #expect(statistics.writes == total)
            #expect(statistics.writeTransactions < total / 2, "transactions: \(statistics.writeTransactions)")
        }
    }

    @Test func conflictsInsideOneBatchSeeEarlierRequests() async throws {
        try await withSQLiteStore { store, _ in
            // Many concurrent creates of the same key: exactly one wins, whatever batches they land in.
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<32 {
                    group.addTask {
                        (try? await store.create(key: "/registry/contended", value: bytes("\(index)"))) != nil
                    }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(outcomes == 1)
            // Concurrent CAS updates from the same revision: exactly one wins.
            let start = try #require(try await store.get(key: "/registry/contended", revision: nil)).modRevision
            let winners = await withTaskGroup(of: Bool.self) { group in
                for index in 0..<32 {
                    group.addTask {
                        (try? await store.update(key: "/registry/contended", value: bytes("u\(index)"), expectedRevision: start)) != nil
                    }
                }
                return await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(winners == 1)
            #expect(try await store.currentRevision == 2)
        }
    }

    @Test func secondOpenerIsLocked() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        let first = try SQLiteDatastore(configuration: .init(path: path))
        _ = try await first.create(key: "/registry/a", value: bytes("a"))
        #expect(throws: DatastoreError.locked(path: path)) {
            _ = try SQLiteDatastore(configuration: .init(path: path))
        }
        try await first.close()
        let second = try SQLiteDatastore(configuration: .init(path: path))
        #expect(try await second.get(key: "/registry/a", revision: nil)?.value == bytes("a"))
        try await second.close()
    }

    @Test func watchReplaysHistoryThenLiveChanges() async throws {
        try await withSQLiteStore { store, _ in
            let r1 = try await store.create(key: "/registry/pods/a", value: bytes("a1"))
            _ = try await store.create(key: "/registry/services/s", value: bytes("s1"))
            let r3 = try await store.update(key: "/registry/pods/a", value: bytes("a2"), expectedRevision: r1)
            let stream = try await store.watch(prefix: "/registry/pods/", fromRevision: 1)
            let r4 = try await store.create(key: "/registry/pods/b", value: bytes("b1"))
            let r5 = try await store.delete(key: "/registry/pods/a", expectedRevision: nil).revision
            var events: [WatchEvent] = []
            for try await event in stream {
                events.append(event)
                if events.count == 3 { break }
            }
            #expect(events.map(\.revision) == [r3, r4, r5])
            #expect(events.map(\.kind) == [.updated, .created, .deleted])
            #expect(events[0].previous?.value == bytes("a1"))
            #expect(events[0].current?.value == bytes("a2"))
            #expect(events[2].previous == KeyValue(key: "/registry/pods/a", value: bytes("a2"), createRevision: r1, modRevision: r3))
            #expect(events[2].current == nil)
        }
    }

    @Test func watchEndsWithClosed() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteDatastore(configuration: .init(path: directory.file("state.db")))
        let stream = try await store.watch(prefix: "/registry/", fromRevision: 0)
        _ = try await store.create(key: "/registry/x", value: bytes("x"))
        try await store.close()
        var seen = 0
        await #expect(throws: DatastoreError.closed) {
            for try await _ in stream { seen += 1 }
        }
        #expect(seen == 1)
    }

    @Test func compactionRemovesSupersededRowsAndKeepsLatest() async throws {
        try await withSQLiteStore { store, _ in
            for key in 0..<10 {
                var revision = try await store.create(key: "/registry/k\(key)", value: bytes("0"))
                for step in 1..<10 {
                    revision = try await store.update(key: "/registry/k\(key)", value: bytes("\(step)"), expectedRevision: revision)
                }
            }
            for key in 0..<3 {
                _ = try await store.delete(key: "/registry/k\(key)", expectedRevision: nil)
            }
            let watchFrom = try await store.currentRevision
            let live = try await store.watch(prefix: "/registry/", fromRevision: watchFrom)
            let current = try await store.currentRevision
            #expect(current == 103)
            try await store.compact(upTo: current)
            // 103 rows: 7 latest values survive; the 3 tombstones and every superseded value go.
            #expect(store.statistics.compactedRows == 96)
            #expect(try await store.compactedRevision == current)
            await #expect(throws: DatastoreError.compacted(requested: 50, compactedRevision: current)) {
                try await store.get(key: "/registry/k5", revision: 50)
            }
            await #expect(throws: DatastoreError.compacted(requested: 50, compactedRevision: current)) {
                try await store.watch(prefix: "/registry/", fromRevision: 50)
            }
            await #expect(throws: DatastoreError.compacted(requested: 5, compactedRevision: current)) {
                try await store.compact(upTo: 5)
            }
            for key in 3..<10 {
                #expect(try await store.get(key: "/registry/k\(key)", revision: nil)?.value == bytes("9"))
            }
            #expect(try await store.count(prefix: "/registry/") == 7)
            #expect(try await store.get(key: "/registry/k0", revision: nil) == nil)
            // A key deleted and compacted can be created again, and a watcher started before the
            // compaction sees it.
            let again = try await store.create(key: "/registry/k0", value: bytes("back"))
            #expect(try await store.get(key: "/registry/k0", revision: nil)?.createRevision == again)
            for try await event in live {
                #expect(event.revision == again && event.kind == .created)
                break
            }
            try await store.verify()
        }
    }

    @Test func automaticCompactionFollowsThePolicy() async throws {
        let policy = CompactionPolicy(
            minimumRetainedRevisions: 20, minimumRetainedDuration: .zero, interval: .milliseconds(10), batchSize: 7
        )
        try await withSQLiteStore(compaction: policy) { store, _ in
            var revision = try await store.create(key: "/registry/hot", value: bytes("0"))
            for step in 1...200 {
                revision = try await store.update(key: "/registry/hot", value: bytes("\(step)"), expectedRevision: revision)
            }
            try await eventually("compaction to revision \(revision - 20)") { try await store.compactedRevision >= revision - 20 }
            let compacted = try await store.compactedRevision
            #expect(compacted >= revision - 20)
            #expect(compacted <= revision - 20, "keeps at least minimumRetainedRevisions")
            // History inside the retained window is still readable.
            #expect(try await store.get(key: "/registry/hot", revision: revision - 10)?.value == bytes("\(190)"))
            #expect(try await store.get(key: "/registry/hot", revision: nil)?.value == bytes("200"))
            try await store.verify()
        }
    }

    @Test func timeRetentionHoldsCompactionBack() async throws {
        // Revisions are old enough by count but not by time: nothing is compacted.
        let policy = CompactionPolicy(
            minimumRetainedRevisions: 1, minimumRetainedDuration: .seconds(3600), interval: .milliseconds(10), batchSize: 100
        )
        try await withSQLiteStore(compaction: policy) { store, _ in
            var revision = try await store.create(key: "/registry/hot", value: bytes("0"))
            for step in 1...50 {
                revision = try await store.update(key: "/registry/hot", value: bytes("\(step)"), expectedRevision: revision)
            }
            // Let several maintenance passes run: wait until the store checkpointed (it only does so
            // after a pass finds it quiet), then check nothing was compacted.
            try await eventually("a checkpoint") { store.statistics.checkpoints > 0 }
            #expect(try await store.compactedRevision == 0)
            #expect(try await store.get(key: "/registry/hot", revision: 2)?.value == bytes("1"))
        }
    }

    @Test func interruptedCompactionResumesAfterReopen() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        // Automatic compaction off, tiny batches: an explicit compaction takes many steps.
        let policy = CompactionPolicy(batchSize: 3, isEnabled: false)
        let configuration = SQLiteDatastore.Configuration(path: path, compaction: policy, maintenanceInterval: .milliseconds(10))
        let store = try SQLiteDatastore(configuration: configuration)
        var revision = try await store.create(key: "/registry/hot", value: bytes("0"))
        for step in 1..<600 {
            revision = try await store.update(key: "/registry/hot", value: bytes("\(step)"), expectedRevision: revision)
        }
        let compaction = Task { try await store.compact(upTo: revision) }
        try await eventually("the compaction to start", interval: .milliseconds(1)) { store.statistics.compactedRows > 0 }
        try await store.close()
        _ = try? await compaction.value
        let removedBefore = store.statistics.compactedRows

        let reopened = try SQLiteDatastore(configuration: configuration)
        #expect(try await reopened.compactedRevision == revision)
        // The maintenance task finishes the job: 599 superseded rows in all.
        try await eventually("599 rows compacted") { removedBefore + reopened.statistics.compactedRows >= 599 }
        #expect(removedBefore + reopened.statistics.compactedRows == 599)
        #expect(try await reopened.get(key: "/registry/hot", revision: nil)?.value == bytes("599"))
        try await reopened.verify()
        try await reopened.close()
    }
}
