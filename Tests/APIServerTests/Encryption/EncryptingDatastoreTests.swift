import Datastore
import KubeAPI
import Testing
@testable import APIServer

@Suite struct EncryptingDatastoreTests {
    static let oldKey = EncryptionConfiguration.Key(name: "old", secret: [UInt8](repeating: 1, count: 32))
    static let newKey = EncryptionConfiguration.Key(name: "new", secret: [UInt8](repeating: 2, count: 32))

    static func encryption(_ providers: [EncryptionConfiguration.Provider]) -> StorageEncryption {
        StorageEncryption(configuration: .init(rules: [.init(resources: ["secrets"], providers: providers)]))
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    @Test func everyPathSeesPlaintextWhileTheStoreHoldsCiphertext() async throws {
        let base = InMemoryDatastore(compaction: .disabled)
        let store = EncryptingDatastore(wrapping: base, encryption: Self.encryption([.aescbc(keys: [Self.oldKey]), .identity]))
        let secret = "/registry/secrets/default/s1"
        let other = "/registry/configmaps/default/c1"
        let events = try await store.watch(prefix: "/registry/", fromRevision: 0)

        let created = try await store.create(key: secret, value: Array("password-one".utf8))
        _ = try await store.create(key: other, value: Array("plain config".utf8))
        let updated = try await store.update(key: secret, value: Array("password-two".utf8), expectedRevision: created)

        let raw = try #require(try await base.get(key: secret, revision: nil))
        #expect(raw.value.starts(with: Array("k8s:enc:aescbc:v1:old:".utf8)))
        #expect(!Self.contains(raw.value, "password"))
        #expect(try await base.get(key: other, revision: nil)?.value == Array("plain config".utf8))

        #expect(try await store.get(key: secret, revision: nil)?.value == Array("password-two".utf8))
        #expect(try await store.get(key: secret, revision: created)?.value == Array("password-one".utf8))
        let page = try await store.list(prefix: "/registry/", revision: nil, limit: nil, continueToken: nil)
        #expect(page.items.map(\.value) == [Array("plain config".utf8), Array("password-two".utf8)])

        // A lost compare-and-swap reports the current value decrypted.
        do {
            _ = try await store.update(key: secret, value: Array("x".utf8), expectedRevision: created)
            Issue.record("the stale update succeeded")
        } catch DatastoreError.conflict(_, _, let current) {
            #expect(current.value == Array("password-two".utf8))
        }

        let (_, deleted) = try await store.delete(key: secret, expectedRevision: updated)
        #expect(deleted.value == Array("password-two".utf8))

        var seen: [(WatchEvent.Kind, String?, String?)] = []
        for try await event in events {
            seen.append((event.kind, event.current.map { String(decoding: $0.value, as: UTF8.self) }, event.previous.map { String(decoding: $0.value, as: UTF8.self) }))
            if seen.count == 4 { break }
        }
        #expect(seen.map(\.0) == [.created, .created, .updated, .deleted])
        #expect(seen[2].1 == "password-two" && seen[2].2 == "password-one")
        #expect(seen[3].2 == "password-two")
    }

    @Test func aWatchEndsWhenItsConsumerIsCancelledAndWhenTheStoreCloses() async throws {
        let base = InMemoryDatastore(compaction: .disabled)
        let store = EncryptingDatastore(wrapping: base, encryption: Self.encryption([.aescbc(keys: [Self.oldKey])]))
        let consumer = Task {
            var seen = 0
            for try await _ in try await store.watch(prefix: "/registry/", fromRevision: 0) { seen += 1 }
            return seen
        }
        _ = try await store.create(key: "/registry/secrets/a/one", value: [1])
        consumer.cancel()
        _ = try await consumer.value

        let closing = Task {
            for try await _ in try await store.watch(prefix: "/registry/", fromRevision: 0) {}
        }
        try await store.close()
        await #expect(throws: DatastoreError.closed) { try await closing.value }
    }

    @Test func reloadingRotatesWritesAndKeepsOldValuesReadableAndStale() async throws {
        let base = InMemoryDatastore(compaction: .disabled)
        let store = EncryptingDatastore(wrapping: base, encryption: .none)
        _ = try await store.create(key: "/registry/secrets/a/plain", value: Array("v0".utf8))
        store.reload(Self.encryption([.aescbc(keys: [Self.oldKey]), .identity]))
        _ = try await store.create(key: "/registry/secrets/a/old", value: Array("v1".utf8))
        store.reload(Self.encryption([.aescbc(keys: [Self.newKey, Self.oldKey]), .identity]))
        _ = try await store.create(key: "/registry/secrets/a/new", value: Array("v2".utf8))

        #expect(try await base.get(key: "/registry/secrets/a/new", revision: nil)?.value.starts(with: Array("k8s:enc:aescbc:v1:new:".utf8)) == true)
        let plain = try #require(try await store.getReportingStaleness(key: "/registry/secrets/a/plain"))
        let old = try #require(try await store.getReportingStaleness(key: "/registry/secrets/a/old"))
        let new = try #require(try await store.getReportingStaleness(key: "/registry/secrets/a/new"))
        #expect((plain.value.value, plain.stale) == (Array("v0".utf8), true))
        #expect((old.value.value, old.stale) == (Array("v1".utf8), true))
        #expect((new.value.value, new.stale) == (Array("v2".utf8), false))

        // Without the old key, its value is a clear error naming the key, not garbage.
        store.reload(Self.encryption([.aescbc(keys: [Self.newKey])]))
        do {
            _ = try await store.get(key: "/registry/secrets/a/old", revision: nil)
            Issue.record("read a value whose key was removed")
        } catch let error as EncryptionError {
            #expect(error.message.contains("/registry/secrets/a/old"))
            #expect(error.message.contains("k8s:enc:aescbc:v1:old:"))
        }
    }
}
