import Datastore
import Testing

extension DatastoreConformance {
    static let compactionCases: [(name: String, body: Case)] = [
        ("compactionMakesOldRevisionsUnreadable", compactionMakesOldRevisionsUnreadable),
        ("compactionKeepsLatestValues", compactionKeepsLatestValues),
        ("compactionRejectsOlderOrFutureRevisions", compactionRejectsOlderOrFutureRevisions),
    ]

    static func compactionMakesOldRevisionsUnreadable(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let a = p + "a", b = p + "b", c = p + "c"
        let r1 = try await store.create(key: a, value: bytes("a1"))
        let r2 = try await store.update(key: a, value: bytes("a2"), expectedRevision: r1)
        let r3 = try await store.update(key: a, value: bytes("a3"), expectedRevision: r2)
        let r4 = try await store.create(key: b, value: bytes("b1"))
        let r5 = try await store.delete(key: b, expectedRevision: r4).revision
        let r6 = try await store.create(key: c, value: bytes("c1"))
        try await store.compact(upTo: r5)
        #expect(try await store.compactedRevision == r5)

        let compacted = { (requested: Int64) in DatastoreError.compacted(requested: requested, compactedRevision: r5) }
        await expectError(compacted(r4)) { try await store.get(key: a, revision: r4) }
        await expectError(compacted(r1)) { try await store.get(key: c, revision: r1) }
        await expectError(compacted(r4)) { try await store.list(prefix: p, revision: r4, limit: nil, continueToken: nil) }
        await expectError(compacted(r4)) { try await store.watch(prefix: p, fromRevision: r4) }
        await expectError(compacted(0)) { try await store.watch(prefix: p, fromRevision: 0) }

        // The compacted revision itself and everything after stay readable.
        let a3 = KeyValue(key: a, value: bytes("a3"), createRevision: r1, modRevision: r3)
        let c1 = KeyValue(key: c, value: bytes("c1"), createRevision: r6, modRevision: r6)
        #expect(try await store.get(key: a, revision: r5) == a3)
        #expect(try await store.get(key: b, revision: r5) == nil)
        #expect(try await store.list(prefix: p, revision: r5, limit: nil, continueToken: nil).items == [a3])
        #expect(try await store.list(prefix: p, revision: r6, limit: nil, continueToken: nil).items == [a3, c1])
        let probe = WatchProbe(try await store.watch(prefix: p, fromRevision: r5))
        let events = try await probe.events(count: 1)
        #expect(events == [WatchEvent(kind: .created, key: c, revision: r6, current: c1, previous: nil)])
        probe.cancel()

        // The keys go on as before: CAS on the kept revision works, a deleted key can return.
        let r7 = try await store.update(key: a, value: bytes("a4"), expectedRevision: r3)
        let r8 = try await store.create(key: b, value: bytes("b2"))
        #expect(try await store.get(key: a, revision: nil) == KeyValue(key: a, value: bytes("a4"), createRevision: r1, modRevision: r7))
        #expect(try await store.get(key: b, revision: nil) == KeyValue(key: b, value: bytes("b2"), createRevision: r8, modRevision: r8))
        #expect(try await store.count(prefix: p) == 3)
    }

    static func compactionKeepsLatestValues(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        var model: [String: KeyValue] = [:]
        for index in 0..<60 {
            let key = p + "k/" + String(index)
            var created = try await store.create(key: key, value: bytes("0"))
            let createRevision = created
            for step in 1...3 {
                created = try await store.update(key: key, value: bytes("\(step)"), expectedRevision: created)
            }
            model[key] = KeyValue(key: key, value: bytes("3"), createRevision: createRevision, modRevision: created)
        }
        for index in stride(from: 0, to: 60, by: 3) {
            let key = p + "k/" + String(index)
            _ = try await store.delete(key: key, expectedRevision: nil)
            model[key] = nil
        }
        let current = try await store.currentRevision
        try await store.compact(upTo: current)
        #expect(try await store.compactedRevision == current)
        let list = try await store.list(prefix: p, revision: nil, limit: nil, continueToken: nil)
        #expect(list.items == byteSorted(Array(model.keys)).map { model[$0]! })
        #expect(try await store.count(prefix: p) == model.count)
        for (key, value) in model {
            #expect(try await store.get(key: key, revision: current) == value)
        }
        // A watch from the compacted revision starts empty and sees new writes.
        let probe = WatchProbe(try await store.watch(prefix: p, fromRevision: current))
        let next = try await store.create(key: p + "k/0", value: bytes("new"))
        #expect(try await probe.events(count: 1).map(\.revision) == [next])
        probe.cancel()
    }

    static func compactionRejectsOlderOrFutureRevisions(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        for index in 0..<5 {
            _ = try await store.create(key: p + "\(index)", value: [])
        }
        try await store.compact(upTo: 3)
        await expectError(.compacted(requested: 2, compactedRevision: 3)) { try await store.compact(upTo: 2) }
        await expectError(.futureRevision(requested: 6, currentRevision: 5)) { try await store.compact(upTo: 6) }
        // Compacting to the same revision again is harmless.
        try await store.compact(upTo: 3)
        try await store.compact(upTo: 5)
        #expect(try await store.compactedRevision == 5)
        #expect(try await store.count(prefix: p) == 5)
    }
}
