/// A revisioned key-value store, shaped after etcd's MVCC API: the one place cluster state lives.
///
/// Every successful write (create, update, delete) is assigned the next value of one global,
/// strictly increasing revision counter. Each key remembers the revision that created it and the
/// revision of its latest change; past states stay readable by revision until they are compacted.
///
/// Guarantees every implementation gives (checked by `DatastoreConformance` in `ClusterTesting`):
/// - A write returns only after it is durable (for stores that persist).
/// - Revisions start at 1 for the first write of a new store; `currentRevision` is 0 when empty.
/// - Keys are non-empty, start with the store's ``keyPrefix`` and contain no NUL byte;
///   values are at most ``maximumValueSize`` bytes.
/// - Lists return keys in ascending byte order.
/// - Watchers see every change after the revision they start from, in revision order, each
///   exactly once, with the previous value of updates and deletes.
public protocol Datastore: Sendable {
    /// Every key must begin with this prefix (for example `/registry/`).
    var keyPrefix: String { get }

    /// Stores a new key. Returns the revision of the write.
    ///
    /// - Throws: `DatastoreError.alreadyExists` if the key exists; `invalidKey`, `valueTooLarge`, `closed`, `io`.
    func create(key: String, value: [UInt8]) async throws -> Int64

    /// Replaces the value of an existing key if its latest revision is `expectedRevision`
    /// (compare-and-swap). Returns the revision of the write.
    ///
    /// - Throws: `DatastoreError.notFound` if the key does not exist; `conflict` (carrying the
    ///   current value) if its revision differs; `invalidKey`, `valueTooLarge`, `closed`, `io`.
    func update(key: String, value: [UInt8], expectedRevision: Int64) async throws -> Int64

    /// Deletes a key, if `expectedRevision` is given only when its latest revision matches.
    /// Returns the revision of the deletion and the value that was deleted.
    ///
    /// - Throws: `DatastoreError.notFound`; `conflict` (carrying the current value); `invalidKey`, `closed`, `io`.
    func delete(key: String, expectedRevision: Int64?) async throws -> (revision: Int64, deleted: KeyValue)

    /// Reads a key as of `revision` (the latest state when `nil`). Returns `nil` if it did not exist then.
    ///
    /// - Throws: `DatastoreError.compacted` if `revision` is older than the compacted revision;
    ///   `futureRevision` if it is newer than `currentRevision`; `invalidKey`, `closed`, `io`.
    func get(key: String, revision: Int64?) async throws -> KeyValue?

    /// Lists the keys under `prefix` as of `revision` (the latest state when `nil`), in ascending
    /// key order, at most `limit` of them (all when `nil` or 0).
    ///
    /// When more keys remain, the result carries a continue token. Passing it back (with the same
    /// prefix) returns the next page as of the same revision as the first page, whatever was
    /// written in between; the token fails with `compacted` once that revision is compacted.
    ///
    /// - Throws: `compacted`, `futureRevision`, `invalidContinueToken`, `invalidKey` (for a prefix
    ///   outside the store), `closed`, `io`.
    func list(prefix: String, revision: Int64?, limit: Int?, continueToken: String?) async throws -> ListResult

    /// The number of keys that exist under `prefix` now.
    func count(prefix: String) async throws -> Int

    /// Streams every change to keys under `prefix` with a revision greater than `revision`, in
    /// revision order: first the stored history, then live changes as each commit lands.
    ///
    /// The stream ends with `DatastoreError.closed` when the store closes, and with
    /// `watcherTooSlow` if the consumer falls too far behind; it ends normally when the
    /// consuming task is cancelled.
    ///
    /// - Throws: `compacted` if `revision` is older than the compacted revision (the history the
    ///   caller needs is gone); `futureRevision` if it is newer than `currentRevision`.
    func watch(prefix: String, fromRevision revision: Int64) async throws -> WatchStream

    /// Discards superseded history at or below `revision`: afterwards reads at revisions below it
    /// fail with `compacted`, and the latest value of every key is kept.
    ///
    /// - Throws: `compacted` if `revision` is older than the current compacted revision;
    ///   `futureRevision` if it is newer than `currentRevision`.
    func compact(upTo revision: Int64) async throws

    /// The revision of the latest committed write (0 for a new, empty store).
    var currentRevision: Int64 { get async throws }

    /// The oldest revision still readable (0 when nothing was compacted).
    var compactedRevision: Int64 { get async throws }

    /// Stops the store: later calls fail with `closed` and open watches end with `closed`.
    func close() async throws
}

/// The largest value a store accepts, as in etcd: 1.5 MiB.
public let maximumValueSize = 1_572_864
