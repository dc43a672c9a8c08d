import ClusterTesting
import Datastore
import Foundation
import Testing

/// Creates a small valid store at `path` and closes it.
func makeStore(at path: String, keys: Int = 20) async throws {
    let store = try SQLiteDatastore(configuration: .init(path: path, compaction: .disabled))
    for index in 0..<keys {
        _ = try await store.create(key: "/registry/k\(index)", value: Array("value \(index)".utf8))
    }
    try await store.close()
}

/// Expects opening `path` to fail with `corrupt` and to leave the file and its directory unchanged.
func expectCorruptAndUntouched(_ path: String, directory: TemporaryDirectory, mentioning detail: String) throws {
    let before = TemporaryDirectory.bytes(path)
    let filesBefore = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    do {
        let store = try SQLiteDatastore(configuration: .init(path: path))
        Issue.record("opened a bad file: \(store.configuration.path)")
    } catch let error as DatastoreError {
        guard case .corrupt(let reportedPath, let reported) = error else {
            Issue.record("expected corrupt, got \(error)")
            return
        }
        #expect(reportedPath == path)
        #expect(reported.contains(detail), "detail: \(reported)")
    }
    #expect(TemporaryDirectory.bytes(path) == before, "file bytes changed")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == filesBefore)
}

/// Patches bytes of a file in place.
func patch(_ path: String, at offset: Int, with replacement: [UInt8]) throws {
    var data = TemporaryDirectory.bytes(path)
    data.replaceSubrange(offset..<(offset + replacement.count), with: replacement)
    try data.write(to: URL(fileURLWithPath: path))
}

@Suite("SQLiteDatastore files")
struct SQLiteDatastoreFileTests {
    @Test(arguments: [
        ("text", Array("this is not a database, just some words\n".utf8), "not an SQLite database"),
        ("random", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) }, "not an SQLite database"),
        ("short header", Array("SQLite format 3".utf8) + [0], "not an SQLite database"),
    ])
    func refusesNonSQLiteFiles(name: String, content: [UInt8], detail: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        try Data(content).write(to: URL(fileURLWithPath: path))
        try expectCorruptAndUntouched(path, directory: directory, mentioning: detail)
    }

    @Test func refusesTruncatedStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        try await makeStore(at: path)
        let whole = TemporaryDirectory.bytes(path)
        try whole.prefix(60).write(to: URL(fileURLWithPath: path))
        try expectCorruptAndUntouched(path, directory: directory, mentioning: "not an SQLite database")
    }

    @Test func refusesAnotherApplicationsSQLiteFile() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        try await makeStore(at: path)
        // Clear the application id and user version: a valid SQLite file that is not ours.
        try patch(path, at: 60, with: [0, 0, 0, 0])
        try patch(path, at: 68, with: [0, 0, 0, 0])
        try expectCorruptAndUntouched(path, directory: directory, mentioning: "not a k3s datastore")
    }

    @Test func refusesNewerSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        try await makeStore(at: path)
        try patch(path, at: 60, with: [0, 0, 0, 99])
        try expectCorruptAndUntouched(path, directory: directory, mentioning: "schema version 99")
    }

    @Test func refusesStoreWithDamagedPages() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        try await makeStore(at: path, keys: 300)
        let size = TemporaryDirectory.size(path)
        #expect(size >= 4 * 4096)
        // Overwrite the second page (the first b-tree page after the schema) with garbage.
        try patch(path, at: 4096, with: [UInt8](repeating: 0xA5, count: 4096))
        let before = TemporaryDirectory.bytes(path)
        #expect(throws: DatastoreError.self) {
            _ = try SQLiteDatastore(configuration: .init(path: path))
        }
        do {
            _ = try SQLiteDatastore(configuration: .init(path: path))
        } catch let error as DatastoreError {
            guard case .corrupt = error else {
                Issue.record("expected corrupt, got \(error)")
                return
            }
        }
        #expect(TemporaryDirectory.bytes(path) == before)
    }

    @Test func emptyFileBecomesANewStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let store = try SQLiteDatastore(configuration: .init(path: path))
        #expect(try await store.create(key: "/registry/a", value: [1]) == 1)
        try await store.close()
    }

    /// Makes `directory` read-only for this process: a read-only tmpfs mount when running as root
    /// (root ignores permission bits), else mode 0555. Returns the undo action.
    func makeReadOnly(_ directory: String, populate: (String) async throws -> Void) async throws -> () -> Void {
        if getuid() == 0 {
            // Populate a writable tmpfs first, then remount it read-only.
            try #require(run("/bin/mount", ["-t", "tmpfs", "-o", "size=64m", "tmpfs", directory]) == 0)
            do {
                try await populate(directory)
            } catch {
                _ = run("/bin/umount", [directory])
                throw error
            }
            guard run("/bin/mount", ["-o", "remount,ro", directory]) == 0 else {
                _ = run("/bin/umount", [directory])
                throw DatastoreError.io(detail: "cannot remount \(directory) read-only")
            }
            return { _ = run("/bin/umount", [directory]) }
        } else {
            try await populate(directory)
            chmod(directory, 0o555)
            return { chmod(directory, 0o755) }
        }
    }

    func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func readOnlyDirectoryWithoutStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let undo = try await makeReadOnly(directory.path) { _ in }
        defer { undo() }
        let path = directory.file("state.db")
        #expect {
            _ = try SQLiteDatastore(configuration: .init(path: path))
        } throws: { error in
            guard case DatastoreError.readOnly(let reported, _) = error else { return false }
            return reported == path
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func readOnlyDirectoryWithStore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        let undo = try await makeReadOnly(directory.path) { dir in
            try await makeStore(at: "\(dir)/state.db")
        }
        defer { undo() }
        let before = TemporaryDirectory.bytes(path)
        #expect(before.count > 0)
        #expect {
            _ = try SQLiteDatastore(configuration: .init(path: path))
        } throws: { error in
            guard case DatastoreError.readOnly = error else { return false }
            return true
        }
        #expect(TemporaryDirectory.bytes(path) == before)
    }

    @Test func snapshotWhileWritingThenRestore() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        let snapshotPath = directory.file("snapshot.db")
        let store = try SQLiteDatastore(configuration: .init(path: path, compaction: .disabled))
        for index in 0..<200 {
            _ = try await store.create(key: "/registry/base/k\(index)", value: Array("v\(index)".utf8))
        }
        // Writers keep going while the snapshot is taken.
        let writers = Task {
            var written = 0
            while !Task.isCancelled {
                _ = try await store.create(key: "/registry/busy/k\(written)", value: [UInt8](repeating: 1, count: 512))
                written += 1
            }
            return written
        }
        try await eventually("400 revisions written", interval: .milliseconds(1)) { try await store.currentRevision >= 400 }
        let before = try await store.currentRevision
        try await store.snapshot(to: snapshotPath)
        let after = try await store.currentRevision
        writers.cancel()
        _ = try? await writers.value
        #expect(!FileManager.default.fileExists(atPath: snapshotPath + "-wal"))

        // A snapshot cannot be restored over an open store.
        #expect(throws: DatastoreError.locked(path: path)) {
            try SQLiteDatastore.restore(snapshot: snapshotPath, to: path)
        }
        let restoredPath = directory.file("restored.db")
        try SQLiteDatastore.restore(snapshot: snapshotPath, to: restoredPath)
        let restored = try SQLiteDatastore(configuration: .init(path: restoredPath, compaction: .disabled))
        let revision = try await restored.currentRevision
        #expect(revision >= before && revision <= after)
        // The restored store holds exactly the original's state at that revision.
        let original = try await store.list(prefix: "/registry/", revision: revision, limit: nil, continueToken: nil)
        let copy = try await restored.list(prefix: "/registry/", revision: nil, limit: nil, continueToken: nil)
        #expect(copy.items == original.items)
        #expect(copy.items.count == Int(revision))
        try await restored.verify()
        #expect(try await restored.create(key: "/registry/after-restore", value: [1]) == revision + 1)
        try await restored.close()
        try await store.close()

        // Restoring over the original (now closed) replaces it.
        try SQLiteDatastore.restore(snapshot: snapshotPath, to: path)
        let reopened = try SQLiteDatastore(configuration: .init(path: path))
        #expect(try await reopened.currentRevision == revision)
        try await reopened.close()
    }

    @Test func snapshotRefusesToOverwriteTheStoreItself() async throws {
        // No quiet-time checkpoint may copy the WAL into the file while its bytes are compared.
        let hourly = CompactionPolicy(interval: .seconds(3600), isEnabled: false)
        try await withSQLiteStore(compaction: hourly, maintenanceInterval: .seconds(3600)) { store, directory in
            _ = try await store.create(key: "/registry/a", value: [1])
            let path = directory.file("state.db")
            let before = TemporaryDirectory.bytes(path)
            await #expect(throws: DatastoreError.self) {
                try await store.snapshot(to: path)
            }
            #expect(TemporaryDirectory.bytes(path) == before)
            await #expect(throws: DatastoreError.self) {
                try await store.snapshot(to: directory.file("missing-directory/snapshot.db"))
            }
            #expect(try await store.get(key: "/registry/a", revision: nil)?.value == [1])
        }
    }

    @Test func restoreRefusesSomethingThatIsNotASnapshot() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        try await makeStore(at: path)
        let before = TemporaryDirectory.bytes(path)
        let bogus = directory.file("bogus.db")
        try Data("nope, not a snapshot at all; just text long enough to look like a header....................................".utf8)
            .write(to: URL(fileURLWithPath: bogus))
        #expect {
            try SQLiteDatastore.restore(snapshot: bogus, to: path)
        } throws: { error in
            guard case DatastoreError.corrupt(let reported, _) = error else { return false }
            return reported == bogus
        }
        #expect {
            try SQLiteDatastore.restore(snapshot: directory.file("missing.db"), to: path)
        } throws: { error in
            guard case DatastoreError.corrupt = error else { return false }
            return true
        }
        #expect(TemporaryDirectory.bytes(path) == before)
    }

    @Test func fileSizeStaysBoundedUnderChurn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        let policy = CompactionPolicy(
            minimumRetainedRevisions: 500, minimumRetainedDuration: .zero, interval: .milliseconds(20), batchSize: 500
        )
        let store = try SQLiteDatastore(configuration: .init(path: path, compaction: policy))
        let keys = 100
        let rounds = 500
        let value = [UInt8](repeating: 0x42, count: 200)
        var sizes: [Int] = []
        for key in 0..<keys {
            _ = try await store.create(key: "/registry/churn/k\(key)", value: value)
        }
        for round in 0..<rounds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for key in 0..<keys {
                    group.addTask {
                        let name = "/registry/churn/k\(key)"
                        let current = try #require(try await store.get(key: name, revision: nil))
                        _ = try await store.update(key: name, value: value, expectedRevision: current.modRevision)
                    }
                }
                try await group.waitForAll()
            }
            if round % 100 == 99 {
                sizes.append(TemporaryDirectory.size(path) + TemporaryDirectory.size(path + "-wal"))
            }
        }
        #expect(try await store.currentRevision == Int64(keys * (rounds + 1)))
        let compactedRows = store.statistics.compactedRows
        #expect(compactedRows > keys * rounds / 2, "compacted \(compactedRows)")
        // 50,000 writes of 200-byte values is ~12 MB of log; with compaction the database stays at
        // a few hundred revisions, and the WAL is recycled.
        let database = TemporaryDirectory.size(path)
        let wal = TemporaryDirectory.size(path + "-wal")
        #expect(database < 2 << 20, "database \(database) bytes, sizes \(sizes)")
        #expect(wal < 8 << 20, "wal \(wal) bytes")
        // Bounded all along: the WAL part swings up to SQLite's auto-checkpoint size (~4 MB) with
        // checkpoint timing, but without compaction the log alone would pass 12 MB.
        #expect(sizes.allSatisfy { $0 < 8 << 20 }, "sizes \(sizes)")
        try await store.verify()
        try await store.close()
    }

    @Test func freedPagesGoBackToTheFileSystem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state.db")
        let policy = CompactionPolicy(isEnabled: false)
        let store = try SQLiteDatastore(configuration: .init(path: path, compaction: policy, maintenanceInterval: .milliseconds(10)))
        let value = [UInt8](repeating: 0x5A, count: 16 * 1024)
        for index in 0..<200 {
            _ = try await store.create(key: "/registry/big/k\(index)", value: value)
        }
        for index in 0..<200 {
            _ = try await store.delete(key: "/registry/big/k\(index)", expectedRevision: nil)
        }
        // Wait until a checkpoint moved everything into the main file (~3 MB). (Counting
        // checkpoints from here would race one that already ran since the last write.)
        try await eventually("a checkpoint after the last write") { TemporaryDirectory.size(path) > 3_000_000 }
        let full = TemporaryDirectory.size(path)
        #expect(full > 3_000_000)
        try await store.compact(upTo: try await store.currentRevision)
        #expect(store.statistics.compactedRows == 400)
        // The maintenance task vacuums the free pages and checkpoints the shrunken file.
        try await eventually("the file vacuumed to a quarter") { TemporaryDirectory.size(path) <= full / 4 }
        #expect(TemporaryDirectory.size(path) <= full / 4, "\(TemporaryDirectory.size(path)) of \(full) bytes")
        try await store.verify()
        try await store.close()
    }
}
