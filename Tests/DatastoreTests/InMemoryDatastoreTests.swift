import ClusterTesting
@testable import Datastore
import Testing

@Suite struct InMemoryDatastoreTests {
    @Test func compactsAutomaticallyPerPolicy() async throws {
        let store = InMemoryDatastore(
            compaction: CompactionPolicy(minimumRetainedRevisions: 5, minimumRetainedDuration: .zero, interval: .milliseconds(2))
        )
        for index in 0..<50 {
            _ = try await store.create(key: "/registry/k/\(index)", value: [])
        }
        try await eventually("compaction to revision 45") { try await store.compactedRevision >= 45 }
        #expect(try await store.compactedRevision == 45)
        await #expect(throws: DatastoreError.compacted(requested: 44, compactedRevision: 45)) {
            try await store.get(key: "/registry/k/0", revision: 44)
        }
        #expect(try await store.count(prefix: "/registry/") == 50)
        try await store.close()
        await #expect(throws: DatastoreError.closed) { try await store.compactedRevision }
    }

    @Test func compactionFreesDeletedKeysAndHistory() async throws {
        let store = InMemoryDatastore(compaction: .disabled)
        for index in 0..<100 {
            let key = "/registry/k/\(index)"
            let revision = try await store.create(key: key, value: [1])
            _ = try await store.update(key: key, value: [2], expectedRevision: revision)
        }
        for index in 0..<50 {
            _ = try await store.delete(key: "/registry/k/\(index)", expectedRevision: nil)
        }
        try await store.compact(upTo: try await store.currentRevision)
        let (keys, versions, logEntries) = store.state.withLock { state in
            (state.keys.count, state.keys.values.reduce(0) { $0 + $1.versions.count }, state.log.count - state.logHead)
        }
        #expect(keys == 50)
        #expect(versions == 50)
        #expect(logEntries == 0)
        let listed = try await store.list(prefix: "/registry/", revision: nil, limit: nil, continueToken: nil)
        #expect(listed.items.map(\.key) == (50..<100).map { "/registry/k/\($0)" }.sorted())
        #expect(listed.items.allSatisfy { $0.value == [2] })
        try await store.close()
    }

    @Test func slowWatcherIsDroppedAndCanResume() async throws {
        let store = InMemoryDatastore(
            keyPrefix: "/registry/", compaction: .disabled, logger: .init(label: "test"),
            now: { ContinuousClock.now }, watchBufferLimit: 10
        )
        let stream = try await store.watch(prefix: "/registry/", fromRevision: 0)
        for index in 0..<20 {
            _ = try await store.create(key: "/registry/\(index)", value: [])
        }
        let slow = WatchProbe(stream)
        let ending = try await slow.end()
        #expect((ending as? DatastoreError) == .watcherTooSlow(lastDeliveredRevision: 10))
        #expect(slow.received.map(\.revision) == Array(1...10))
        // History replay does not count against the live buffer.
        let resumed = WatchProbe(try await store.watch(prefix: "/registry/", fromRevision: 10))
        #expect(try await resumed.events(count: 10).map(\.revision) == Array(11...20))
        resumed.cancel()
        try await store.close()
    }

    @Test func canonicallyEquivalentKeysAreDistinct() async throws {
        let store = InMemoryDatastore(compaction: .disabled)
        let composed = "/registry/é", decomposed = "/registry/e\u{301}"
        _ = try await store.create(key: composed, value: [1])
        _ = try await store.create(key: decomposed, value: [2])
        #expect(try await store.get(key: composed, revision: nil)?.value == [1])
        #expect(try await store.get(key: decomposed, revision: nil)?.value == [2])
        #expect(try await store.count(prefix: "/registry/") == 2)
        let keys = try await store.list(prefix: "/registry/", revision: nil, limit: nil, continueToken: nil).items.map(\.key)
        #expect(keys.count == 2)
        #expect(ByteOrder.equal(keys[0], decomposed))
        try await store.close()
    }

    @Test func customPrefixIsEnforced() async throws {
        let store = InMemoryDatastore(keyPrefix: "/other/", compaction: .disabled)
        _ = try await store.create(key: "/other/a", value: [])
        await #expect(throws: DatastoreError.self) { try await store.create(key: "/registry/a", value: []) }
        #expect(try await store.count(prefix: "/other/") == 1)
        try await store.close()
    }

    @Test func closeIsIdempotent() async throws {
        let store = InMemoryDatastore()
        try await store.close()
        try await store.close()
    }
}
