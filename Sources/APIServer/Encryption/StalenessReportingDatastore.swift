import Datastore

/// A datastore whose reads can tell that a stored value should be rewritten even though it
/// reads the same (for example, it is encrypted with a key that is no longer the first). The
/// API server then writes an unchanged object back instead of skipping the update.
public protocol StalenessReportingDatastore: Datastore {
    /// The latest value of `key` and whether it is stale; `nil` when the key does not exist.
    func getReportingStaleness(key: String) async throws -> (value: KeyValue, stale: Bool)?
}
