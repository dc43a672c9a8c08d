import Datastore
import Testing

extension DatastoreConformance {
    static let pagingCases: [(name: String, body: Case)] = [
        ("pagingIsConsistentDuringWrites", pagingIsConsistentDuringWrites),
        ("continueTokenFailsOnceCompacted", continueTokenFailsOnceCompacted),
    ]

    static func pagingIsConsistentDuringWrites(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let prefix = p + "paging/"
        var snapshot: [String: [UInt8]] = [:]
        for index in 0..<1_000 {
            let key = prefix + String(index)
            snapshot[key] = bytes("v\(index)")
            _ = try await store.create(key: key, value: bytes("v\(index)"))
        }
        let first = try await store.list(prefix: prefix, revision: nil, limit: 100, continueToken: nil)
        #expect(first.items.count == 100)
        #expect(first.remainingCount == 900)

        // Writers change the listed range while the pages are read: updates, deletes, new keys
        // sorting before, among and after the listed ones.
        let writers = (0..<3).map { writer in
            Task {
                var round = 0
                while !Task.isCancelled, round < 400 {
                    let index = (round * 7 + writer * 331) % 1_000
                    let key = prefix + String(index)
                    if let current = try await store.get(key: key, revision: nil) {
                        if round % 3 == 0 {
                            _ = try? await store.delete(key: key, expectedRevision: current.modRevision)
                        } else {
                            _ = try? await store.update(key: key, value: bytes("changed"), expectedRevision: current.modRevision)
                        }
                    }
                    _ = try? await store.create(key: prefix + String(index) + "-new\(writer)", value: [])
                    _ = try? await store.create(key: prefix + "0\(round)-\(writer)", value: [])
                    round += 1
                    await Task.yield()
                }
            }
        }
        var items = first.items
        var token = first.continueToken
        var pages = 1
        while let next = token {
            // Make sure the store moved on between pages.
            _ = try await store.create(key: prefix + "between-\(pages)", value: [])
            let page = try await store.list(prefix: prefix, revision: nil, limit: 100, continueToken: next)
            #expect(page.revision == first.revision)
            #expect(page.items.count <= 100)
            items += page.items
            token = page.continueToken
            pages += 1
            if pages > 20 { break }
        }
        for writer in writers {
            writer.cancel()
            try await writer.value
        }
        #expect(pages == 10)
        #expect(items.map(\.key) == byteSorted(Array(snapshot.keys)))
        #expect(items.allSatisfy { snapshot[$0.key] == $0.value && $0.modRevision <= first.revision })
        #expect(try await store.currentRevision > first.revision)
    }

    static func continueTokenFailsOnceCompacted(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        for index in 0..<10 {
            _ = try await store.create(key: p + "t/\(index)", value: [])
        }
        let page = try await store.list(prefix: p + "t/", revision: nil, limit: 4, continueToken: nil)
        let token = try #require(page.continueToken)
        _ = try await store.create(key: p + "t/x", value: [])
        let current = try await store.currentRevision
        try await store.compact(upTo: current)
        await expectError(.compacted(requested: page.revision, compactedRevision: current)) {
            try await store.list(prefix: p + "t/", revision: nil, limit: 4, continueToken: token)
        }
    }
}
