/// Why a datastore operation failed. Every case carries what a caller needs to answer the
/// client (the API server maps these onto Kubernetes `Status` responses).
public enum DatastoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `create` of a key that exists.
    case alreadyExists(key: String)
    /// `update` or `delete` of a key that does not exist.
    case notFound(key: String)
    /// A compare-and-swap lost: the key's latest revision is not the expected one. Carries the current value.
    case conflict(key: String, expectedRevision: Int64, current: KeyValue)
    /// The requested revision is older than the oldest revision still kept.
    case compacted(requested: Int64, compactedRevision: Int64)
    /// The requested revision has not been written yet.
    case futureRevision(requested: Int64, currentRevision: Int64)
    /// The key is empty, outside the store's prefix, or otherwise not allowed.
    case invalidKey(key: String, reason: String)
    /// The value is larger than the store accepts.
    case valueTooLarge(key: String, size: Int, limit: Int)
    /// A continue token that this store did not issue, or issued for another prefix.
    case invalidContinueToken(reason: String)
    /// A watcher fell too far behind the writers and was dropped; it may resume from its last revision.
    case watcherTooSlow(lastDeliveredRevision: Int64)
    /// The file at `path` is not a database this store can use (corrupt, not SQLite, or another schema).
    case corrupt(path: String, detail: String)
    /// The store cannot write where it was told to (read-only directory or file, no permission).
    case readOnly(path: String, detail: String)
    /// Another process holds the store open.
    case locked(path: String)
    /// The store was closed.
    case closed
    /// An I/O or engine error not covered above.
    case io(detail: String)

    public var description: String {
        switch self {
        case .alreadyExists(let key):
            return "key \"\(key)\" already exists"
        case .notFound(let key):
            return "key \"\(key)\" not found"
        case .conflict(let key, let expected, let current):
            return "key \"\(key)\" was modified: expected revision \(expected), current revision \(current.modRevision)"
        case .compacted(let requested, let compacted):
            return "revision \(requested) has been compacted; the oldest available revision is \(compacted)"
        case .futureRevision(let requested, let current):
            return "revision \(requested) is in the future; the current revision is \(current)"
        case .invalidKey(let key, let reason):
            return "invalid key \"\(key)\": \(reason)"
        case .valueTooLarge(let key, let size, let limit):
            return "value for key \"\(key)\" is \(size) bytes, over the limit of \(limit) bytes"
        case .invalidContinueToken(let reason):
            return "invalid continue token: \(reason)"
        case .watcherTooSlow(let last):
            return "watcher fell too far behind and was dropped after revision \(last)"
        case .corrupt(let path, let detail):
            return "\(path) is not a usable datastore: \(detail)"
        case .readOnly(let path, let detail):
            return "cannot write datastore at \(path): \(detail)"
        case .locked(let path):
            return "datastore \(path) is in use by another process"
        case .closed:
            return "datastore is closed"
        case .io(let detail):
            return "datastore I/O error: \(detail)"
        }
    }
}
