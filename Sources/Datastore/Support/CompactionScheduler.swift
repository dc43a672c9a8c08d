/// Decides how far automatic compaction may go, following a ``CompactionPolicy``.
///
/// The store calls ``record(revision:)`` on every tick (every `policy.interval`) with its current
/// revision, then asks ``target(currentRevision:compactedRevision:)``. A revision may be
/// compacted only when it is at least `minimumRetainedRevisions` behind the current revision
/// *and* it was already committed `minimumRetainedDuration` ago (known from the recorded
/// samples), so whichever rule keeps more history wins.
///
/// Time comes from the injected `now` closure, so tests drive it without sleeping.
public struct CompactionScheduler: Sendable {
    /// One observation: at `instant` the latest committed revision was `revision`.
    public struct Sample: Sendable, Hashable {
        /// When the revision was observed.
        public var instant: ContinuousClock.Instant
        /// The latest committed revision at that time.
        public var revision: Int64
    }

    /// The policy being followed.
    public var policy: CompactionPolicy
    /// The samples still needed, oldest first.
    public private(set) var samples: [Sample] = []
    private let now: @Sendable () -> ContinuousClock.Instant

    /// Creates a scheduler reading the time from `now`.
    public init(policy: CompactionPolicy, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.policy = policy
        self.now = now
    }

    /// Notes that `revision` is the latest committed revision at the current time.
    public mutating func record(revision: Int64) {
        let instant = now()
        if let last = samples.last, last.revision == revision {
            // Nothing was written since: the older sample already says the same, more strongly.
            return
        }
        samples.append(Sample(instant: instant, revision: revision))
    }

    /// The revision to compact up to now, or `nil` when there is nothing to compact (or the
    /// policy is disabled). Drops samples that can no longer matter.
    public mutating func target(currentRevision: Int64, compactedRevision: Int64) -> Int64? {
        guard policy.isEnabled else { return nil }
        let byCount = currentRevision - max(0, policy.minimumRetainedRevisions)
        let cutoff = now().advanced(by: .zero - policy.minimumRetainedDuration)
        // The newest sample taken at or before the cutoff: everything up to its revision was
        // committed at least `minimumRetainedDuration` ago.
        var byTime: Int64 = 0
        var newestOld = -1
        for (index, sample) in samples.enumerated() where sample.instant <= cutoff {
            byTime = sample.revision
            newestOld = index
        }
        if newestOld > 0 {
            samples.removeFirst(newestOld)
        }
        let target = min(byCount, byTime, currentRevision)
        return target > compactedRevision ? target : nil
    }
}
