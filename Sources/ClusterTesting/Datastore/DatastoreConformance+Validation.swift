import Datastore
import Testing

extension DatastoreConformance {
    static let validationCases: [(name: String, body: Case)] = [
        ("invalidKeysAreRejected", invalidKeysAreRejected),
        ("invalidPrefixesAreRejected", invalidPrefixesAreRejected),
        ("valueOverLimitIsRejected", valueOverLimitIsRejected),
        ("valueAtLimitIsAccepted", valueAtLimitIsAccepted),
        ("invalidContinueTokensAreRejected", invalidContinueTokensAreRejected),
    ]

    /// Keys no store accepts: empty, outside the prefix, with a NUL byte.
    static func invalidKeys(for store: any Datastore) -> [String] {
        let p = store.keyPrefix
        return ["", "outside/a", "/elsewhere/a", String(p.dropLast()), p + "a\u{0}b", p + "\u{0}", "\u{0}" + p + "a"]
    }

    static func invalidKeysAreRejected(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        let existing = p + "exists"
        _ = try await store.create(key: existing, value: [])
        for key in invalidKeys(for: store) {
            await expectError("create \(key.debugDescription)", { try await store.create(key: key, value: [1]) }, matches: isInvalidKey)
            await expectError("update \(key.debugDescription)", { try await store.update(key: key, value: [1], expectedRevision: 1) }, matches: isInvalidKey)
            await expectError("delete \(key.debugDescription)", { try await store.delete(key: key, expectedRevision: nil) }, matches: isInvalidKey)
            await expectError("get \(key.debugDescription)", { try await store.get(key: key, revision: nil) }, matches: isInvalidKey)
        }
        // Nothing was written.
        #expect(try await store.currentRevision == 1)
        #expect(try await store.count(prefix: p) == 1)
    }

    static func invalidPrefixesAreRejected(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        for prefix in ["", "outside/", "/elsewhere/", p + "a\u{0}"] {
            await expectError("list \(prefix.debugDescription)", { try await store.list(prefix: prefix, revision: nil, limit: nil, continueToken: nil) }, matches: isInvalidKey)
            await expectError("count \(prefix.debugDescription)", { try await store.count(prefix: prefix) }, matches: isInvalidKey)
            await expectError("watch \(prefix.debugDescription)", { try await store.watch(prefix: prefix, fromRevision: 0) }, matches: isInvalidKey)
        }
    }

    static func valueOverLimitIsRejected(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "big"
        let tooLarge = [UInt8](repeating: 7, count: maximumValueSize + 1)
        await expectError(.valueTooLarge(key: key, size: maximumValueSize + 1, limit: maximumValueSize)) {
            try await store.create(key: key, value: tooLarge)
        }
        #expect(try await store.currentRevision == 0)
        #expect(try await store.get(key: key, revision: nil) == nil)
        let created = try await store.create(key: key, value: bytes("small"))
        await expectError(.valueTooLarge(key: key, size: maximumValueSize + 1, limit: maximumValueSize)) {
            try await store.update(key: key, value: tooLarge, expectedRevision: created)
        }
        #expect(try await store.currentRevision == created)
        #expect(try await store.get(key: key, revision: nil)?.value == bytes("small"))
    }

    static func valueAtLimitIsAccepted(_ store: any Datastore) async throws {
        let key = store.keyPrefix + "big"
        var value = [UInt8](repeating: 0, count: maximumValueSize)
        for index in value.indices { value[index] = UInt8(truncatingIfNeeded: index &* 31 &+ 7) }
        let revision = try await store.create(key: key, value: value)
        let stored = try #require(try await store.get(key: key, revision: nil))
        #expect(stored.value.count == maximumValueSize)
        #expect(stored.value == value)
        #expect(stored.modRevision == revision)
        let listed = try await store.list(prefix: store.keyPrefix, revision: nil, limit: nil, continueToken: nil)
        #expect(listed.items.first?.value == value)
    }

    static func invalidContinueTokensAreRejected(_ store: any Datastore) async throws {
        let p = store.keyPrefix
        for index in 0..<5 {
            _ = try await store.create(key: p + "a/\(index)", value: [])
            _ = try await store.create(key: p + "b/\(index)", value: [])
        }
        for garbage in ["garbage", "!!!!", "AAAA", "eyJydiI6MX0", String(repeating: "z", count: 300)] {
            await expectError("token \(garbage)", { try await store.list(prefix: p, revision: nil, limit: 2, continueToken: garbage) }, matches: isInvalidContinueToken)
        }
        let page = try await store.list(prefix: p + "a/", revision: nil, limit: 2, continueToken: nil)
        let token = try #require(page.continueToken)
        // A token is bound to the prefix it was issued for.
        await expectError("token of another prefix", { try await store.list(prefix: p + "b/", revision: nil, limit: 2, continueToken: token) }, matches: isInvalidContinueToken)
        await expectError("token of a wider prefix", { try await store.list(prefix: p, revision: nil, limit: 2, continueToken: token) }, matches: isInvalidContinueToken)
        // A damaged token is rejected, not misread.
        var damaged = Array(token)
        let middle = damaged.count / 2
        damaged[middle] = damaged[middle] == "A" ? "B" : "A"
        await expectError("damaged token", { try await store.list(prefix: p + "a/", revision: nil, limit: 2, continueToken: String(damaged)) }, matches: isInvalidContinueToken)
        // The genuine token still works.
        let next = try await store.list(prefix: p + "a/", revision: nil, limit: 2, continueToken: token)
        #expect(next.items.map(\.key) == [p + "a/2", p + "a/3"])
    }
}
