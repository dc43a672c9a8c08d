#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Remembers, per controller key, how many creations and which deletions it has issued but
/// not yet seen through its informer, so a reconcile between a write and its watch event does
/// not act twice (upstream's controller expectations). Expectations older than five minutes
/// are treated as met, so a lost event cannot stall a controller.
public final class ReplicaExpectations: Sendable {
    struct Entry {
        var adds: Int
        var deletes: Set<String>
        var since: ContinuousClock.Instant
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let timeout: Duration

    /// Creates an empty set of expectations.
    public init(timeout: Duration = .seconds(300)) {
        self.timeout = timeout
    }

    /// Whether `key` has no pending creations or deletions (or they timed out).
    public func satisfied(_ key: String) -> Bool {
        entries.withLock { entries in
            guard let entry = entries[key] else { return true }
            if entry.adds <= 0 && entry.deletes.isEmpty { return true }
            return ContinuousClock.now - entry.since > timeout
        }
    }

    /// Records that `adds` creations and the deletion of `deletes` (object keys) were issued.
    public func expect(_ key: String, adds: Int = 0, deletes: [String] = []) {
        entries.withLock { entries in
            entries[key] = Entry(adds: adds, deletes: Set(deletes), since: .now)
        }
    }

    /// One expected creation was observed (or will never happen).
    public func creationObserved(_ key: String) {
        entries.withLock { entries in entries[key]?.adds -= 1 }
    }

    /// The deletion of `objectKey` was observed (or will never happen).
    public func deletionObserved(_ key: String, objectKey: String) {
        _ = entries.withLock { entries in entries[key]?.deletes.remove(objectKey) }
    }

    /// Forgets `key` (its owner is gone).
    public func remove(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
