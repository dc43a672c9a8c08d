import Synchronization

/// A thread-safe set of taken values in `first...last` (cluster IP offsets, node ports).
///
/// Dynamic allocation prefers the upper band of the range and only falls back to the lower
/// band (its first `max(16, size/16)` values, at most 256) when the upper one is full, so
/// values people pick by hand (the DNS service's `.10`) stay free; `reserved` values are only
/// ever given out on request.
final class RangeAllocator: Sendable {
    /// Why an allocation failed.
    enum Failure: Error, Equatable {
        /// The requested value is taken.
        case allocated
        /// The requested value lies outside the range.
        case notInRange
        /// No value is free.
        case full
    }

    let first: UInt64
    let last: UInt64
    let lowerBandEnd: UInt64
    let reserved: Set<UInt64>
    let taken = Mutex<Set<UInt64>>([])

    init(first: UInt64, last: UInt64, reserved: Set<UInt64> = []) {
        precondition(first <= last, "empty range")
        self.first = first
        self.last = last
        let size = last - first + 1
        self.lowerBandEnd = first + min(max(16, size / 16), 256, size) - 1
        self.reserved = reserved
    }

    /// Takes `value`.
    func allocate(_ value: UInt64, dryRun: Bool = false) throws(Failure) {
        guard (first...last).contains(value) else { throw .notInRange }
        let inserted = taken.withLock { set in dryRun ? !set.contains(value) : set.insert(value).inserted }
        if !inserted { throw .allocated }
    }

    /// Takes a free value (the upper band first, from a random start); a dry run only finds one.
    func allocateNext(dryRun: Bool = false) throws(Failure) -> UInt64 {
        let found: UInt64? = taken.withLock { set in
            for band in [(lowerBandEnd + 1, last), (first, lowerBandEnd)] where band.0 <= band.1 {
                let count = band.1 - band.0 + 1
                let start = UInt64.random(in: 0..<count)
                for step in 0..<count {
                    let value = band.0 + (start + step) % count
                    if reserved.contains(value) || set.contains(value) { continue }
                    if !dryRun { set.insert(value) }
                    return value
                }
            }
            return nil
        }
        guard let found else { throw .full }
        return found
    }

    /// Frees `value` (nothing happens when it is free).
    func release(_ value: UInt64) {
        _ = taken.withLock { $0.remove(value) }
    }

    /// Whether `value` is taken.
    func isAllocated(_ value: UInt64) -> Bool { taken.withLock { $0.contains(value) } }

    /// Marks all of `values` (inside the range) as taken.
    func mark(_ values: some Sequence<UInt64>) {
        taken.withLock { set in
            for value in values where (first...last).contains(value) { set.insert(value) }
        }
    }

    /// How many values are taken.
    var count: Int { taken.withLock { $0.count } }
}
