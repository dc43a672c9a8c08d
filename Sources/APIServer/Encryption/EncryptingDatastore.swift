import Datastore
import Synchronization

/// A datastore that encrypts values at rest: wraps another store and passes every value of
/// the keys its ``StorageEncryption`` covers through the resource's ``ValueTransformer`` —
/// encrypted on create and update, decrypted on get, list, watch (current and previous values),
/// delete results and conflict errors. Keys, revisions and everything else pass through
/// unchanged, so the API server, its watch cache and every read and write path above see
/// plaintext while the wrapped store holds ciphertext.
///
/// The encryption can be replaced while the server runs (``reload(_:)``): later writes use the
/// new first provider and reads accept every provider the new configuration lists.
public final class EncryptingDatastore: Datastore, StalenessReportingDatastore {
    /// The wrapped store (holding ciphertext).
    public let base: any Datastore
    private let encryption: Mutex<StorageEncryption>

    /// Wraps `base`.
    public init(wrapping base: any Datastore, encryption: StorageEncryption) {
        self.base = base
        self.encryption = Mutex(encryption)
    }

    /// The encryption in force.
    public var current: StorageEncryption { encryption.withLock { $0 } }

    /// Replaces the encryption; writes that start afterwards use it.
    public func reload(_ encryption: StorageEncryption) {
        self.encryption.withLock { $0 = encryption }
    }

    public var keyPrefix: String { base.keyPrefix }

    // MARK: - Transforming

    private func sealed(_ value: [UInt8], key: String) throws -> [UInt8] {
        guard let transformer = current.transformer(forKey: key) else { return value }
        do {
            return try transformer.toStorage(value, key: key)
        } catch {
            throw EncryptionError("unable to transform key \"\(key)\" for storage: \(error.message)")
        }
    }

    private func opened(_ value: [UInt8], key: String, using encryption: StorageEncryption) throws -> (value: [UInt8], stale: Bool) {
        guard let transformer = encryption.transformer(forKey: key) else { return (value, false) }
        do {
            return try transformer.fromStorage(value, key: key)
        } catch {
            throw EncryptionError("unable to transform key \"\(key)\" from storage: \(error.message)")
        }
    }

    private func opened(_ item: KeyValue, using encryption: StorageEncryption) throws -> KeyValue {
        var item = item
        item.value = try opened(item.value, key: item.key, using: encryption).value
        return item
    }

    /// Runs a write, decrypting the current value a lost compare-and-swap reports.
    private func translatingConflicts<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch DatastoreError.conflict(let key, let expected, let current) {
            throw DatastoreError.conflict(key: key, expectedRevision: expected, current: try opened(current, using: self.current))
        }
    }

    // MARK: - Datastore

    public func create(key: String, value: [UInt8]) async throws -> Int64 {
        try await base.create(key: key, value: try sealed(value, key: key))
    }

    public func update(key: String, value: [UInt8], expectedRevision: Int64) async throws -> Int64 {
        let stored = try sealed(value, key: key)
        return try await translatingConflicts {
            try await base.update(key: key, value: stored, expectedRevision: expectedRevision)
        }
    }

    public func delete(key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue) {
        let (revision, deleted) = try await translatingConflicts {
            try await base.delete(key: key, expectedRevision: expectedRevision)
        }
        return (revision, try opened(deleted, using: current))
    }

    public func get(key: String, revision: Int64?) async throws -> KeyValue? {
        try await base.get(key: key, revision: revision).map { try opened($0, using: current) }
    }

    /// Reads a key's latest value and says whether it is stale (not under the first provider).
    public func getReportingStaleness(key: String) async throws -> (value: KeyValue, stale: Bool)? {
        guard var found = try await base.get(key: key, revision: nil) else { return nil }
        let (value, stale) = try opened(found.value, key: key, using: current)
        found.value = value
        return (found, stale)
    }

    public func list(prefix: String, revision: Int64?, limit: Int?, continueToken: String?) async throws -> ListResult {
        var page = try await base.list(prefix: prefix, revision: revision, limit: limit, continueToken: continueToken)
        let encryption = current
        page.items = try page.items.map { try opened($0, using: encryption) }
        return page
    }

    public func count(prefix: String) async throws -> Int {
        try await base.count(prefix: prefix)
    }

    /// Each event is decrypted as the consumer takes it, so the wrapped store's flow control
    /// (`watcherTooSlow`) and cancellation reach through unchanged.
    public func watch(prefix: String, fromRevision revision: Int64) async throws -> WatchStream {
        let events = Pending(try await base.watch(prefix: prefix, fromRevision: revision).makeAsyncIterator())
        return WatchStream { [self] in
            guard var event = try await events.next() else { return nil }
            let encryption = current
            event.current = try event.current.map { try opened($0, using: encryption) }
            event.previous = try event.previous.map { try opened($0, using: encryption) }
            return event
        }
    }

    /// The wrapped stream's iterator. The unfolding stream asks for one element at a time, never
    /// concurrently, which is what makes sharing it safe.
    private final class Pending: @unchecked Sendable {
        private var iterator: WatchStream.AsyncIterator

        init(_ iterator: WatchStream.AsyncIterator) {
            self.iterator = iterator
        }

        func next() async throws -> WatchEvent? {
            try await iterator.next()
        }
    }

    public func compact(upTo revision: Int64) async throws {
        try await base.compact(upTo: revision)
    }

    public var currentRevision: Int64 {
        get async throws { try await base.currentRevision }
    }

    public var compactedRevision: Int64 {
        get async throws { try await base.compactedRevision }
    }

    public func close() async throws {
        try await base.close()
    }
}
