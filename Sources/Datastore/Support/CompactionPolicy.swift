/// When a store discards superseded history on its own.
///
/// History is kept for at least `minimumRetainedRevisions` revisions *and* at least
/// `minimumRetainedDuration`, whichever keeps more; older superseded values and deletion
/// markers are removed in batches of `batchSize` so no single pass holds up writers.
public struct CompactionPolicy: Sendable, Hashable {
    /// Keep at least this many of the newest revisions.
    public var minimumRetainedRevisions: Int64
    /// Keep every revision written within this much time.
    public var minimumRetainedDuration: Duration
    /// How often the store checks whether there is history to discard.
    public var interval: Duration
    /// The most rows one compaction step removes before letting writers in again.
    public var batchSize: Int
    /// `false` turns automatic compaction off (explicit `compact(upTo:)` still works).
    public var isEnabled: Bool

    /// Creates a policy.
    public init(
        minimumRetainedRevisions: Int64 = 1_000,
        minimumRetainedDuration: Duration = .seconds(300),
        interval: Duration = .seconds(1),
        batchSize: Int = 1_000,
        isEnabled: Bool = true
    ) {
        self.minimumRetainedRevisions = minimumRetainedRevisions
        self.minimumRetainedDuration = minimumRetainedDuration
        self.interval = interval
        self.batchSize = batchSize
        self.isEnabled = isEnabled
    }

    /// The default: 1,000 revisions or 5 minutes, whichever is more, checked every second.
    public static let `default` = CompactionPolicy()

    /// No automatic compaction.
    public static let disabled = CompactionPolicy(isEnabled: false)
}
