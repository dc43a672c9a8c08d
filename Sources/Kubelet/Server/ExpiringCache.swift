import Synchronization

/// A small map whose entries expire a fixed time after they were stored (per entry), bounded in
/// size: when full, expired entries go first, then the oldest.
final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    struct Entry {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    let capacity: Int
    let entries = Mutex<[Key: Entry]>([:])

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    /// The value stored for `key`, if it has not expired.
    func value(for key: Key, now: ContinuousClock.Instant = .now) -> Value? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Stores `value` for `ttl`; a zero TTL stores nothing.
    func store(_ value: Value, for key: Key, ttl: Duration, now: ContinuousClock.Instant = .now) {
        guard ttl > .zero else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity, let oldest = entries.min(by: { $0.value.expires < $1.value.expires }) {
                    entries[oldest.key] = nil
                }
            }
            entries[key] = Entry(value: value, expires: now + ttl)
        }
    }
}
