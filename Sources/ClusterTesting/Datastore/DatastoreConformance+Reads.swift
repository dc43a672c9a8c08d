import Datastore
import Testing

extension DatastoreConformance {
    static let readCases: [(name: String, body: Case)] = [
        ("getAtPastRevisions", getAtPastRevisions),
        ("listAtPastRevisions", listAtPastRevisions),
        ("listInByteOrderWithinPrefix", listInByteOrderWithinPrefix),
        ("listLimitAndRemainingCount", listLimitAndRemainingCount),
        ("countByPrefix", countByPrefix),
        ("futureRevisionsFail", futureRevisionsFail),
    ]

    static func getAtPastRevisions(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let key = p + "a"
        _ = try await store.create(key: p + "other", value: bytes("o"))  // 1
        let created = try await store.create(key: key, value: bytes("v1"))  // 2
        let updated = try await store.update(key: key, value: bytes("v2"), expectedRevision: created)  // 3
        let deleted = try await store.delete(key: key, expectedRevision: nil).revision  // 4
        let recreated = try await store.create(key: key, value: bytes("v3"))  // 5
        _ = try await store.create(key: p + "later", value: bytes("l"))  // 6

        #expect(try await store.get(key: key, revision: 1) == nil)
        #expect(try await store.get(key: key, revision: created) == KeyValue(key: key, value: bytes("v1"), createRevision: created, modRevision: created))
        #expect(try await store.get(key: key, revision: updated) == KeyValue(key: key, value: bytes("v2"), createRevision: created, modRevision: updated))
        #expect(try await store.get(key: key, revision: deleted) == nil)
        let latest = KeyValue(key: key, value: bytes("v3"), createRevision: recreated, modRevision: recreated)
        #expect(try await store.get(key: key, revision: recreated) == latest)
        #expect(try await store.get(key: key, revision: recreated + 1) == latest)
        #expect(try await store.get(key: key, revision: nil) == latest)
        #expect(try await store.get(key: p + "later", revision: recreated) == nil)
    }

    static func listAtPastRevisions(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let a = p + "l/a", b = p + "l/b", c = p + "l/c"
        let r1 = try await store.create(key: a, value: bytes("a1"))
        let r2 = try await store.create(key: b, value: bytes("b1"))
        let r3 = try await store.update(key: a, value: bytes("a2"), expectedRevision: r1)
        let r4 = try await store.delete(key: b, expectedRevision: r2).revision
        let r5 = try await store.create(key: c, value: bytes("c1"))

        let a1 = KeyValue(key: a, value: bytes("a1"), createRevision: r1, modRevision: r1)
        let a2 = KeyValue(key: a, value: bytes("a2"), createRevision: r1, modRevision: r3)
        let b1 = KeyValue(key: b, value: bytes("b1"), createRevision: r2, modRevision: r2)
        let c1 = KeyValue(key: c, value: bytes("c1"), createRevision: r5, modRevision: r5)
        let expectations: [(Int64, [KeyValue])] = [(r1, [a1]), (r2, [a1, b1]), (r3, [a2, b1]), (r4, [a2]), (r5, [a2, c1])]
        for (revision, items) in expectations {
            let list = try await store.list(prefix: p + "l/", revision: revision, limit: nil, continueToken: nil)
            #expect(list.items == items, "list at revision \(revision)")
            #expect(list.revision == revision)
            #expect(list.continueToken == nil)
        }
        let latest = try await store.list(prefix: p + "l/", revision: nil, limit: 0, continueToken: nil)
        #expect(latest.items == [a2, c1])
        #expect(latest.revision == r5)
    }

    static func listInByteOrderWithinPrefix(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let inside = ["a/b", "a/a", "a/B", "a/a-b", "a/a/b", "a/é", "a/z", "a/~", "a/aa", "a/0"].map { p + $0 }
        let outside = ["ab/x", "a", "b/a", "0"].map { p + $0 }
        for key in (inside + outside).shuffled() {
            _ = try await store.create(key: key, value: bytes(key))
        }
        let list = try await store.list(prefix: p + "a/", revision: nil, limit: nil, continueToken: nil)
        #expect(list.items.map(\.key) == byteSorted(inside))
        #expect(list.items.allSatisfy { $0.value == bytes($0.key) })
        let all = try await store.list(prefix: p, revision: nil, limit: nil, continueToken: nil)
        #expect(all.items.map(\.key) == byteSorted(inside + outside))
        let none = try await store.list(prefix: p + "a/zz", revision: nil, limit: nil, continueToken: nil)
        #expect(none.items.isEmpty)
    }

    static func listLimitAndRemainingCount(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let keys = (0..<7).map { p + "page/" + String($0) }
        for key in keys {
            _ = try await store.create(key: key, value: bytes(key))
        }
        _ = try await store.create(key: p + "pagez", value: [])  // shares the text prefix, not the directory
        let first = try await store.list(prefix: p + "page/", revision: nil, limit: 3, continueToken: nil)
        #expect(first.items.map(\.key) == Array(keys[0..<3]))
        #expect(first.remainingCount == 4)
        let token = try #require(first.continueToken)
        let second = try await store.list(prefix: p + "page/", revision: nil, limit: 3, continueToken: token)
        #expect(second.items.map(\.key) == Array(keys[3..<6]))
        #expect(second.remainingCount == 1)
        #expect(second.revision == first.revision)
        let secondToken = try #require(second.continueToken)
        let third = try await store.list(prefix: p + "page/", revision: nil, limit: 3, continueToken: secondToken)
        #expect(third.items.map(\.key) == [keys[6]])
        #expect(third.continueToken == nil)
        // A limit that takes exactly the rest leaves no token.
        let exact = try await store.list(prefix: p + "page/", revision: nil, limit: 7, continueToken: nil)
        #expect(exact.items.count == 7)
        #expect(exact.continueToken == nil)
        let (paged, pages) = try await listAll(store, prefix: p + "page/", pageSize: 1)
        #expect(paged.map(\.key) == keys)
        #expect(pages.count == 7)
    }

    static func countByPrefix(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        for name in ["pods/ns1/a", "pods/ns1/b", "pods/ns2/a", "services/ns1/a", "podsx/a"] {
            _ = try await store.create(key: p + name, value: [])
        }
        #expect(try await store.count(prefix: p) == 5)
        #expect(try await store.count(prefix: p + "pods/") == 3)
        #expect(try await store.count(prefix: p + "pods/ns1/") == 2)
        #expect(try await store.count(prefix: p + "pods") == 4)
        #expect(try await store.count(prefix: p + "nodes/") == 0)
        _ = try await store.delete(key: p + "pods/ns1/a", expectedRevision: nil)
        #expect(try await store.count(prefix: p + "pods/") == 2)
        #expect(try await store.count(prefix: p) == 4)
        _ = try await store.create(key: p + "pods/ns1/a", value: [])
        _ = try await store.create(key: p + "pods/ns3/a", value: [])
        #expect(try await store.count(prefix: p + "pods/") == 4)
        #expect(try await store.count(prefix: p) == 6)
    }

    static func futureRevisionsFail(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        _ = try await store.create(key: p + "a", value: [])
        _ = try await store.create(key: p + "b", value: [])
        let future = DatastoreError.futureRevision(requested: 3, currentRevision: 2)
        await expectError(future) { try await store.get(key: p + "a", revision: 3) }
        await expectError(future) { try await store.list(prefix: p, revision: 3, limit: nil, continueToken: nil) }
        await expectError(future) { try await store.watch(prefix: p, fromRevision: 3) }
        await expectError(future) { try await store.compact(upTo: 3) }
        await expectError(.futureRevision(requested: 1_000, currentRevision: 2)) {
            try await store.get(key: p + "a", revision: 1_000)
        }
        // The current revision itself is readable.
        #expect(try await store.get(key: p + "b", revision: 2)?.modRevision == 2)
    }
}
