import Datastore
import Testing

extension DatastoreConformance {
    static let watchCases: [(name: String, body: Case)] = [
        ("watchDeliversLiveEvents", watchDeliversLiveEvents),
        ("watchCarriesPreviousValues", watchCarriesPreviousValues),
        ("watchOrdersEventsAcrossKeys", watchOrdersEventsAcrossKeys),
        ("watchFiltersByPrefix", watchFiltersByPrefix),
        ("watchResumesFromRevision", watchResumesFromRevision),
        ("watchStartedDuringWritesHasNoGaps", watchStartedDuringWritesHasNoGaps),
        ("cancelledWatchDoesNotBlockWriters", cancelledWatchDoesNotBlockWriters),
        ("closedStoreFailsCallsAndEndsWatches", closedStoreFailsCallsAndEndsWatches),
    ]

    static func watchDeliversLiveEvents(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let probe = WatchProbe(try await store.watch(prefix: p, fromRevision: 0))
        for index in 1...5 {
            let revision = try await store.create(key: p + "live/\(index)", value: bytes("\(index)"))
            // Each event arrives while nothing else is written.
            let events = try await probe.events(count: index)
            #expect(events.last?.revision == revision)
            #expect(events.last?.key == p + "live/\(index)")
        }
        probe.cancel()
    }

    static func watchCarriesPreviousValues(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let key = p + "w/a"
        let probe = WatchProbe(try await store.watch(prefix: p + "w/", fromRevision: 0))
        let r1 = try await store.create(key: key, value: bytes("one"))
        let r2 = try await store.update(key: key, value: bytes("two"), expectedRevision: r1)
        let r3 = try await store.delete(key: key, expectedRevision: r2).revision
        let r4 = try await store.create(key: key, value: bytes("three"))
        let events = try await probe.events(count: 4)
        let v1 = KeyValue(key: key, value: bytes("one"), createRevision: r1, modRevision: r1)
        let v2 = KeyValue(key: key, value: bytes("two"), createRevision: r1, modRevision: r2)
        let v3 = KeyValue(key: key, value: bytes("three"), createRevision: r4, modRevision: r4)
        #expect(events == [
            WatchEvent(kind: .created, key: key, revision: r1, current: v1, previous: nil),
            WatchEvent(kind: .updated, key: key, revision: r2, current: v2, previous: v1),
            WatchEvent(kind: .deleted, key: key, revision: r3, current: nil, previous: v2),
            WatchEvent(kind: .created, key: key, revision: r4, current: v3, previous: nil),
        ])
        // The same events replayed from history.
        let replay = WatchProbe(try await store.watch(prefix: p + "w/", fromRevision: 0))
        #expect(try await replay.events(count: 4) == events)
        probe.cancel()
        replay.cancel()
    }

    static func watchOrdersEventsAcrossKeys(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let probe = WatchProbe(try await store.watch(prefix: p, fromRevision: 0))
        let writers = 4, writes = 25
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let key = p + "order/\(writer)"
                    var revision = try await store.create(key: key, value: bytes("0"))
                    for step in 1..<writes {
                        revision = try await store.update(key: key, value: bytes("\(step)"), expectedRevision: revision)
                    }
                }
            }
            try await group.waitForAll()
        }
        let events = try await probe.events(count: writers * writes)
        #expect(events.map(\.revision) == Array(1...Int64(writers * writes)))
        for writer in 0..<writers {
            let values = events.filter { $0.key == p + "order/\(writer)" }.compactMap { $0.current?.value }
            #expect(values == (0..<writes).map { bytes("\($0)") })
        }
        probe.cancel()
    }

    static func watchFiltersByPrefix(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let probe = WatchProbe(try await store.watch(prefix: p + "a/", fromRevision: 0))
        _ = try await store.create(key: p + "a/1", value: [])
        _ = try await store.create(key: p + "ab/1", value: [])
        _ = try await store.create(key: p + "b/1", value: [])
        _ = try await store.create(key: p + "a", value: [])
        _ = try await store.delete(key: p + "ab/1", expectedRevision: nil)
        _ = try await store.create(key: p + "a/2", value: [])
        let last = try await store.delete(key: p + "a/1", expectedRevision: nil).revision
        let events = try await probe.events(count: 3)
        #expect(events.map(\.key) == [p + "a/1", p + "a/2", p + "a/1"])
        #expect(events.map(\.kind) == [.created, .created, .deleted])
        #expect(events.last?.revision == last)
        // Nothing else arrived: the write after the filtered ones came through alone.
        #expect(probe.received.count == 3)
        probe.cancel()
    }

    static func watchResumesFromRevision(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        var revisions: [Int64] = []
        for index in 0..<10 {
            revisions.append(try await store.create(key: p + "r/\(index)", value: bytes("\(index)")))
        }
        let resumeAfter = revisions[3]
        let probe = WatchProbe(try await store.watch(prefix: p + "r/", fromRevision: resumeAfter))
        let history = try await probe.events(count: 6)
        #expect(history.map(\.revision) == Array(revisions[4...]))
        for index in 10..<15 {
            revisions.append(try await store.create(key: p + "r/\(index)", value: bytes("\(index)")))
        }
        let all = try await probe.events(count: 11)
        #expect(all.map(\.revision) == Array(revisions[4...]))
        #expect(all.map(\.key) == (4..<15).map { p + "r/\($0)" })
        // Watching from the current revision sees only what comes next.
        let current = try await store.currentRevision
        let fresh = WatchProbe(try await store.watch(prefix: p + "r/", fromRevision: current))
        let next = try await store.create(key: p + "r/next", value: [])
        #expect(try await fresh.events(count: 1).map(\.revision) == [next])
        probe.cancel()
        fresh.cancel()
    }

    static func watchStartedDuringWritesHasNoGaps(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let total = 400
        let writer = Task {
            for index in 0..<total {
                _ = try await store.create(key: p + "gap/\(index)", value: bytes("\(index)"))
            }
        }
        // Start several watches at different points while the writer runs.
        var probes: [(from: Int64, probe: WatchProbe)] = []
        for _ in 0..<4 {
            let from = try await store.currentRevision
            probes.append((from, WatchProbe(try await store.watch(prefix: p + "gap/", fromRevision: from))))
            await Task.yield()
        }
        try await writer.value
        for (from, probe) in probes {
            let expected = Array((from + 1)..<(Int64(total) + 1))
            let events = try await probe.events(count: expected.count)
            #expect(events.map(\.revision) == expected, "watch from \(from)")
            probe.cancel()
        }
    }

    static func cancelledWatchDoesNotBlockWriters(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let cancelled = WatchProbe(try await store.watch(prefix: p, fromRevision: 0))
        cancelled.cancel()
        _ = try await cancelled.end()
        // A watch nobody reads from must not hold writers up either.
        let unread = try await store.watch(prefix: p, fromRevision: 0)
        let writes = 2_000
        try await withDeadline(.seconds(60), "\(writes) writes with idle watchers") {
            for index in 0..<writes {
                _ = try await store.create(key: p + "busy/\(index)", value: bytes("\(index)"))
            }
        }
        #expect(try await store.currentRevision == Int64(writes))
        // The unread watch kept everything for when its reader comes back.
        let late = WatchProbe(unread)
        let events = try await late.events(count: writes)
        #expect(events.map(\.revision) == Array(1...Int64(writes)))
        late.cancel()
    }

    static func closedStoreFailsCallsAndEndsWatches(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let key = p + "a"
        let revision = try await store.create(key: key, value: [])
        let probe = WatchProbe(try await store.watch(prefix: p, fromRevision: 0))
        _ = try await probe.events(count: 1)
        try await store.close()
        let ending = try await probe.end()
        #expect((ending as? DatastoreError) == .closed, "watch ended with \(String(describing: ending))")
        await expectError(.closed) { try await store.create(key: p + "b", value: []) }
        await expectError(.closed) { try await store.update(key: key, value: [], expectedRevision: revision) }
        await expectError(.closed) { try await store.delete(key: key, expectedRevision: nil) }
        await expectError(.closed) { try await store.get(key: key, revision: nil) }
        await expectError(.closed) { try await store.list(prefix: p, revision: nil, limit: nil, continueToken: nil) }
        await expectError(.closed) { try await store.count(prefix: p) }
        await expectError(.closed) { try await store.watch(prefix: p, fromRevision: revision) }
        await expectError(.closed) { try await store.compact(upTo: revision) }
        await expectError(.closed) { try await store.currentRevision }
        await expectError(.closed) { try await store.compactedRevision }
    }
}
