/// How long the job controller waits before replacing a failed pod: `base` after the first
/// failure, doubling with each further one, never more than `cap` (upstream: 10 s and 6 min).
public struct JobBackoff: Sendable, Hashable {
    /// The delay after the first failure.
    public var base: Duration
    /// The longest delay.
    public var cap: Duration

    /// Creates a backoff policy.
    public init(base: Duration = .seconds(10), cap: Duration = .seconds(360)) {
        self.base = base
        self.cap = cap
    }

    /// No delay at all (tests).
    public static let none = JobBackoff(base: .zero, cap: .zero)

    /// The delay after `failures` counted failures (zero when there were none).
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0, base > .zero else { return .zero }
        var delay = base
        for _ in 1..<failures {
            delay *= 2
            if delay >= cap { return cap }
        }
        return min(delay, cap)
    }
}
