@testable import Datastore
import Testing

/// Memory held by an ``InMemoryDatastore`` must follow live keys and retained history, not the
/// number of writes ever made: bursts that grow internal buffers are given back by compaction.
@Suite struct InMemoryFootprintTests {
    /// Sizes of the store's internal storage, in elements.
    struct Footprint: CustomStringConvertible {
        var logCapacity: Int
        var logEntries: Int
        var versionCapacity: Int
        var versions: Int
        var histories: Int
        var indexed: Int

        var description: String {
            "log \(logEntries)/\(logCapacity), versions \(versions)/\(versionCapacity), histories \(histories), indexed \(indexed)"
        }
    }

    static func footprint(_ store: InMemoryDatastore) -> Footprint {
        store.state.withLock { state in
            Footprint(
                logCapacity: state.log.capacity,
                logEntries: state.log.count - state.logHead,
                versionCapacity: state.keys.values.reduce(0) { $0 + $1.versions.capacity },
                versions: state.keys.values.reduce(0) { $0 + $1.versions.count },
                histories: state.keys.count,
                indexed: state.sorted.count + state.unsorted.count
            )
        }
    }

    /// Bursts of updates to a few keys, each compacted down to `retain` revisions afterwards.
    @Test(arguments: [(keys: 10, burst: 5_000, retain: 10), (keys: 100, burst: 20_000, retain: 50)])
    func burstsOfUpdatesAreGivenBack(keys: Int, burst: Int, retain: Int64) async throws {
        let store = InMemoryDatastore(compaction: .disabled)
        var revisions: [Int64] = []
        for index in 0..<keys {
            revisions.append(try await store.create(key: "/registry/burst/\(index)", value: [1]))
        }
        for round in 0..<3 {
            // No compaction during the burst: every version stays, as under a long time window.
            for write in 0..<burst {
                let index = write % keys
                revisions[index] = try await store.update(
                    key: "/registry/burst/\(index)", value: [UInt8(round)], expectedRevision: revisions[index]
                )
            }
            let grown = Self.footprint(store)
            #expect(grown.versions > burst)
            try await store.compact(upTo: try await store.currentRevision - retain)

            let after = Self.footprint(store)
            // At most one visible version per key plus the retained revisions.
            #expect(after.versions <= keys + Int(retain))
            #expect(after.logEntries == Int(retain))
            #expect(after.versionCapacity <= 4 * (after.versions + keys), "\(after)")
            #expect(after.logCapacity <= max(MemoryState.minimumLogCapacity, 4 * after.logEntries), "\(after)")
        }
        let listed = try await store.list(prefix: "/registry/burst/", revision: nil, limit: nil, continueToken: nil)
        #expect(listed.items.count == keys)
        #expect(listed.items.allSatisfy { $0.value == [2] })
        try await store.close()
    }

    /// Keys created and deleted with unique names (like events) must leave the key index and the
    /// key table even if nobody ever lists.
    @Test func churnOfShortLivedKeysDoesNotAccumulate() async throws {
        let store = InMemoryDatastore(compaction: .disabled)
        let total = 20_000
        for index in 0..<total {
            let key = "/registry/events/e-\(index)"
            let revision = try await store.create(key: key, value: [1])
            _ = try await store.delete(key: key, expectedRevision: revision)
            if index % 1_000 == 999 {
                try await store.compact(upTo: try await store.currentRevision)
            }
        }
        let after = Self.footprint(store)
        #expect(after.histories == 0)
        #expect(after.versions == 0)
        #expect(after.indexed <= 2 * MemoryState.minimumIndexSlack, "\(after)")
        #expect(after.logCapacity <= MemoryState.minimumLogCapacity, "\(after)")
        #expect(try await store.count(prefix: "/registry/") == 0)
        let listed = try await store.list(prefix: "/registry/", revision: nil, limit: nil, continueToken: nil)
        #expect(listed.items.isEmpty)
        try await store.close()
    }

    /// Automatic compaction driven by an injected clock keeps the footprint flat across rounds.
    @Test func automaticCompactionKeepsFootprintFlat() async throws {
        let clock = ManualTime()
        let store = InMemoryDatastore(
            keyPrefix: "/registry/",
            compaction: CompactionPolicy(minimumRetainedRevisions: 100, minimumRetainedDuration: .seconds(1), interval: .seconds(3_600)),
            logger: .init(label: "test"),
            now: { clock.now }
        )
        let keys = 50
        var revisions: [Int: Int64] = [:]
        var footprints: [Footprint] = []
        for _ in 0..<4 {
            for write in 0..<10_000 {
                let index = write % keys
                let key = "/registry/churn/\(index)"
                if let revision = revisions[index] {
                    revisions[index] = try await store.update(key: key, value: [2], expectedRevision: revision)
                } else {
                    revisions[index] = try await store.create(key: key, value: [1])
                }
            }
            // Two ticks a retention window apart: the second may compact everything but 100 revisions.
            await store.compactAutomatically()
            clock.advance(by: .seconds(2))
            await store.compactAutomatically()
            #expect(try await store.currentRevision - store.compactedRevision == 100)
            footprints.append(Self.footprint(store))
        }
        let last = try #require(footprints.last)
        #expect(last.versionCapacity <= 4 * (last.versions + keys), "\(footprints)")
        #expect(last.logCapacity <= max(MemoryState.minimumLogCapacity, 4 * last.logEntries), "\(footprints)")
        #expect(store.state.withLock { $0.scheduler.samples.count } <= 2)
        try await store.close()
    }
}
