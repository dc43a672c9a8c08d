import Datastore
import Testing

extension DatastoreConformance {
    static let modelCases: [(name: String, body: Case)] = [
        ("randomChangesMatchAModel", randomChangesMatchAModel),
    ]

    /// A small deterministic generator, so a failure can be reproduced.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Random creates, updates and deletes over a few hundred keys, with reads, counts, paged
    /// lists (now and at past revisions) and compactions in between, all checked against a
    /// plain dictionary model.
    static func randomChangesMatchAModel(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        var random = SplitMix64(state: 0x5EED)
        var model: [String: KeyValue] = [:]
        var snapshots: [(revision: Int64, state: [String: KeyValue])] = []
        let groups = ["pods/a/", "pods/b/", "services/a/", "podsx/"]
        var revision: Int64 = 0

        func expected(_ state: [String: KeyValue], under prefix: String) -> [KeyValue] {
            byteSorted(state.keys.filter { Array($0.utf8).starts(with: Array(prefix.utf8)) }).map { state[$0]! }
        }

        for step in 0..<1_500 {
            let key = p + groups[Int(random.next() % 4)] + String(random.next() % 150)
            let value = bytes("\(step)")
            if let current = model[key] {
                if random.next() % 3 == 0 {
                    let result = try await store.delete(key: key, expectedRevision: random.next() % 2 == 0 ? current.modRevision : nil)
                    revision += 1
                    #expect(result.revision == revision)
                    #expect(result.deleted == current)
                    model[key] = nil
                } else {
                    let written = try await store.update(key: key, value: value, expectedRevision: current.modRevision)
                    revision += 1
                    #expect(written == revision)
                    model[key] = KeyValue(key: key, value: value, createRevision: current.createRevision, modRevision: written)
                }
            } else {
                let written = try await store.create(key: key, value: value)
                revision += 1
                #expect(written == revision)
                model[key] = KeyValue(key: key, value: value, createRevision: written, modRevision: written)
            }
            if step % 50 == 0 { snapshots.append((revision, model)) }

            if step % 100 == 99 {
                for prefix in [p] + groups.map({ p + $0 }) + [p + "pods"] {
                    let items = expected(model, under: prefix)
                    #expect(try await store.count(prefix: prefix) == items.count, "count \(prefix) at step \(step)")
                    let (paged, _) = try await listAll(store, prefix: prefix, pageSize: 1 + Int(random.next() % 40))
                    #expect(paged == items, "list \(prefix) at step \(step)")
                }
                let compacted = try await store.compactedRevision
                for snapshot in snapshots where snapshot.revision >= compacted {
                    let prefix = p + groups[Int(random.next() % 4)]
                    let (paged, _) = try await listAll(store, prefix: prefix, revision: snapshot.revision, pageSize: 25)
                    #expect(paged == expected(snapshot.state, under: prefix), "list \(prefix) at revision \(snapshot.revision)")
                    let probeKey = p + groups[Int(random.next() % 4)] + String(random.next() % 150)
                    #expect(try await store.get(key: probeKey, revision: snapshot.revision) == snapshot.state[probeKey])
                }
            }
            if step % 300 == 299 {
                // Keep the two newest snapshots readable.
                let target = snapshots[snapshots.count - 2].revision
                try await store.compact(upTo: target)
                snapshots.removeAll { $0.revision < target }
            }
        }
        #expect(try await store.currentRevision == revision)
    }
}
