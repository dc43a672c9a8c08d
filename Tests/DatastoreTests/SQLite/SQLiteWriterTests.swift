import Datastore
import Testing

/// The writer's group commit and its WAL checkpoints, seen through the store.
@Suite("SQLiteDatastore writer")
struct SQLiteWriterTests {
    @Test func conflictingCreatesFailAloneInASharedBatch() async throws {
        try await withSQLiteStore { store, _ in
            #expect(try await store.create(key: "/registry/taken", value: bytes("first")) == 1)
            let before = store.statistics
            // Fresh keys and creates of an existing key, all at once: they share transactions, the
            // duplicates fail with alreadyExists, and every other create commits with the next
            // revision (a refused create takes none).
            let fresh = 63
            let duplicates = 9
            let outcomes = try await withThrowingTaskGroup(of: (String, Int64?).self) { group in
                for index in 0..<(fresh + duplicates) {
                    group.addTask {
                        let key = index % 8 == 0 ? "/registry/taken" : "/registry/fresh/\(index)"
                        do {
                            return (key, try await store.create(key: key, value: bytes("\(index)")))
                        } catch DatastoreError.alreadyExists(let existing) {
                            #expect(existing == key)
                            return (key, nil)
                        }
                    }
                }
                return try await group.reduce(into: [(String, Int64?)]()) { $0.append($1) }
            }
            let refused = outcomes.filter { $0.1 == nil }
            #expect(refused.count == duplicates)
            #expect(refused.allSatisfy { $0.0 == "/registry/taken" })
            let revisions = outcomes.compactMap(\.1)
            #expect(Set(revisions) == Set(2...Int64(1 + fresh)))
            #expect(try await store.currentRevision == Int64(1 + fresh))
            #expect(try await store.get(key: "/registry/taken", revision: nil)?.value == bytes("first"))
            #expect(try await store.count(prefix: "/registry/fresh/") == fresh)
            let after = store.statistics
            #expect(after.writes - before.writes == fresh)
            #expect(after.writeTransactions - before.writeTransactions < fresh, "every create had its own transaction")
            try await store.verify()
        }
    }

    @Test func walIsCopiedInTheBackgroundAndStartsOver() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        // A tiny checkpoint threshold: background passes start after 16 frames, and at 32 the
        // writer checkpoints itself so the WAL starts over.
        let configuration = SQLiteDatastore.Configuration(path: path, compaction: .disabled, walCheckpointPages: 16)
        let store = try SQLiteDatastore(configuration: configuration)
        let writers = 8
        let perWriter = 250
        let value = [UInt8](repeating: 0x61, count: 300)
        var largestWAL = 0
        for round in 0..<5 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        for index in 0..<(perWriter / 5) {
                            _ = try await store.create(key: "/registry/wal/\(round)/\(writer)/\(index)", value: value)
                        }
                    }
                }
                try await group.waitForAll()
            }
            largestWAL = max(largestWAL, TemporaryDirectory.size(path + "-wal"))
        }
        let statistics = store.statistics
        #expect(statistics.backgroundCheckpoints > 0)
        #expect(statistics.restartCheckpoints > 0)
        // 2,000 creates of 300 bytes are ~1 MB of rows and several MB of WAL frames without
        // restarts; restarted at 32 frames (plus one batch), the WAL stays far below that.
        #expect(largestWAL < 1 << 20, "WAL reached \(largestWAL) bytes")
        try await store.verify()
        try await store.close()

        let reopened = try SQLiteDatastore(configuration: configuration)
        #expect(try await reopened.currentRevision == Int64(writers * perWriter))
        #expect(try await reopened.count(prefix: "/registry/wal/") == writers * perWriter)
        #expect(try await reopened.get(key: "/registry/wal/4/7/49", revision: nil)?.value == value)
        try await reopened.verify()
        try await reopened.close()
    }
}
