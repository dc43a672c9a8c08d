import Datastore
import Testing

extension DatastoreConformance {
    static let basicCases: [(name: String, body: Case)] = [
        ("newStoreIsEmpty", newStoreIsEmpty),
        ("createAndGet", createAndGet),
        ("createExistingKeyFails", createExistingKeyFails),
        ("createAfterDelete", createAfterDelete),
        ("updateWithMatchingRevision", updateWithMatchingRevision),
        ("updateConflictCarriesCurrentValue", updateConflictCarriesCurrentValue),
        ("updateMissingKeyFails", updateMissingKeyFails),
        ("deleteUnconditionally", deleteUnconditionally),
        ("deleteWithExpectedRevision", deleteWithExpectedRevision),
        ("deleteMissingKeyFails", deleteMissingKeyFails),
        ("emptyValueIsStored", emptyValueIsStored),
        ("revisionsAreGlobalAndStrictlyIncreasing", revisionsAreGlobalAndStrictlyIncreasing),
    ]

    static func newStoreIsEmpty(_ store: any Datastore) async throws {
        #expect(try await store.currentRevision == 0)
        #expect(try await store.compactedRevision == 0)
        #expect(try await store.count(prefix: store.keyPrefix) == 0)
        let list = try await store.list(prefix: store.keyPrefix, revision: nil, limit: nil, continueToken: nil)
        #expect(list.items.isEmpty)
        #expect(list.continueToken == nil)
        #expect(try await store.get(key: store.keyPrefix + "nothing", revision: nil) == nil)
    }

    static func createAndGet(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "pods/default/a"
        let revision = try await store.create(key: key, value: bytes("one"))
        #expect(revision == 1)
        #expect(try await store.currentRevision == 1)
        let stored = try await store.get(key: key, revision: nil)
        #expect(stored == KeyValue(key: key, value: bytes("one"), createRevision: 1, modRevision: 1))
        #expect(try await store.get(key: key, revision: 1) == stored)
        #expect(try await store.get(key: key + "x", revision: nil) == nil)
    }

    static func createExistingKeyFails(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        let revision = try await store.create(key: key, value: bytes("one"))
        await expectError(.alreadyExists(key: key)) {
            try await store.create(key: key, value: bytes("two"))
        }
        // The failed write changed nothing and used no revision.
        #expect(try await store.currentRevision == revision)
        #expect(try await store.get(key: key, revision: nil)?.value == bytes("one"))
    }

    static func createAfterDelete(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        let first = try await store.create(key: key, value: bytes("one"))
        let deletion = try await store.delete(key: key, expectedRevision: nil)
        let second = try await store.create(key: key, value: bytes("two"))
        #expect(first == 1 && deletion.revision == 2 && second == 3)
        let stored = try await store.get(key: key, revision: nil)
        #expect(stored == KeyValue(key: key, value: bytes("two"), createRevision: 3, modRevision: 3))
    }

    static func updateWithMatchingRevision(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        let created = try await store.create(key: key, value: bytes("one"))
        _ = try await store.create(key: store.keyPrefix + "b", value: bytes("other"))
        let updated = try await store.update(key: key, value: bytes("two"), expectedRevision: created)
        #expect(updated == 3)
        let stored = try await store.get(key: key, revision: nil)
        #expect(stored == KeyValue(key: key, value: bytes("two"), createRevision: created, modRevision: updated))
        let again = try await store.update(key: key, value: bytes("three"), expectedRevision: updated)
        #expect(again == 4)
        #expect(try await store.get(key: key, revision: nil)?.createRevision == created)
    }

    static func updateConflictCarriesCurrentValue(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        let created = try await store.create(key: key, value: bytes("one"))
        let updated = try await store.update(key: key, value: bytes("two"), expectedRevision: created)
        let current = KeyValue(key: key, value: bytes("two"), createRevision: created, modRevision: updated)
        await expectError(.conflict(key: key, expectedRevision: created, current: current)) {
            try await store.update(key: key, value: bytes("stale"), expectedRevision: created)
        }
        await expectError(.conflict(key: key, expectedRevision: 99, current: current)) {
            try await store.update(key: key, value: bytes("future"), expectedRevision: 99)
        }
        #expect(try await store.currentRevision == updated)
        #expect(try await store.get(key: key, revision: nil) == current)
    }

    static func updateMissingKeyFails(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        await expectError(.notFound(key: key)) {
            try await store.update(key: key, value: bytes("x"), expectedRevision: 0)
        }
        let created = try await store.create(key: key, value: bytes("one"))
        _ = try await store.delete(key: key, expectedRevision: nil)
        // A deleted key is missing too, whatever revision is expected.
        await expectError(.notFound(key: key)) {
            try await store.update(key: key, value: bytes("x"), expectedRevision: created)
        }
        #expect(try await store.currentRevision == 2)
    }

    static func deleteUnconditionally(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        let created = try await store.create(key: key, value: bytes("one"))
        let updated = try await store.update(key: key, value: bytes("two"), expectedRevision: created)
        let result = try await store.delete(key: key, expectedRevision: nil)
        #expect(result.revision == updated + 1)
        #expect(result.deleted == KeyValue(key: key, value: bytes("two"), createRevision: created, modRevision: updated))
        #expect(try await store.get(key: key, revision: nil) == nil)
        #expect(try await store.currentRevision == result.revision)
        #expect(try await store.count(prefix: store.keyPrefix) == 0)
    }

    static func deleteWithExpectedRevision(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        let created = try await store.create(key: key, value: bytes("one"))
        let updated = try await store.update(key: key, value: bytes("two"), expectedRevision: created)
        let current = KeyValue(key: key, value: bytes("two"), createRevision: created, modRevision: updated)
        await expectError(.conflict(key: key, expectedRevision: created, current: current)) {
            try await store.delete(key: key, expectedRevision: created)
        }
        #expect(try await store.get(key: key, revision: nil) == current)
        let result = try await store.delete(key: key, expectedRevision: updated)
        #expect(result.revision == updated + 1)
        #expect(result.deleted == current)
        #expect(try await store.get(key: key, revision: nil) == nil)
    }

    static func deleteMissingKeyFails(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "a"
        await expectError(.notFound(key: key)) {
            try await store.delete(key: key, expectedRevision: nil)
        }
        await expectError(.notFound(key: key)) {
            try await store.delete(key: key, expectedRevision: 1)
        }
        _ = try await store.create(key: key, value: bytes("one"))
        _ = try await store.delete(key: key, expectedRevision: nil)
        await expectError(.notFound(key: key)) {
            try await store.delete(key: key, expectedRevision: nil)
        }
        #expect(try await store.currentRevision == 2)
    }

    static func emptyValueIsStored(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "empty"
        let revision = try await store.create(key: key, value: [])
        let stored = try await store.get(key: key, revision: nil)
        #expect(stored == KeyValue(key: key, value: [], createRevision: revision, modRevision: revision))
        #expect(try await store.count(prefix: store.keyPrefix) == 1)
    }

    static func revisionsAreGlobalAndStrictlyIncreasing(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        var expected: Int64 = 0
        var createRevisions: [String: Int64] = [:]
        var modRevisions: [String: Int64] = [:]
        for round in 0..<5 {
            for name in ["x", "y/1", "z/2/3"] {
                let key = p + name
                expected += 1
                if let modRevision = modRevisions[key] {
                    let revision = try await store.update(key: key, value: bytes("\(round)"), expectedRevision: modRevision)
                    #expect(revision == expected)
                } else {
                    let revision = try await store.create(key: key, value: bytes("\(round)"))
                    #expect(revision == expected)
                    createRevisions[key] = revision
                }
                modRevisions[key] = expected
                #expect(try await store.currentRevision == expected)
                // A failed write uses no revision.
                _ = try? await store.create(key: key, value: [])
            }
        }
        for (key, modRevision) in modRevisions {
            let stored = try #require(try await store.get(key: key, revision: nil))
            #expect(stored.modRevision == modRevision)
            #expect(stored.createRevision == createRevisions[key])
        }
        let deletion = try await store.delete(key: p + "x", expectedRevision: nil)
        #expect(deletion.revision == expected + 1)
        #expect(try await store.currentRevision == expected + 1)
    }
}
