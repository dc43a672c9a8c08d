/// Decides how long a failed key waits before its next try: the larger of a per-key exponential
/// backoff and an overall token bucket (upstream's default controller rate limiter).
public struct RateLimiter: Sendable {
    /// The first per-key delay.
    public var baseDelay: Duration
    /// The largest per-key delay.
    public var maxDelay: Duration
    /// Sustained rate of the overall bucket (retries per second).
    public var ratePerSecond: Double
    /// Burst size of the overall bucket.
    public var burst: Int

    /// Creates a limiter.
    public init(baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000), ratePerSecond: Double = 10, burst: Int = 100) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    /// Upstream's defaults: 5 ms doubling to 1000 s per key, 10 per second with a burst of 100 overall.
    public static let `default` = RateLimiter()

    /// The per-key delay after `failures` earlier failures.
    public func backoff(failures: Int) -> Duration {
        let exponent = min(failures, 40)
        let delay = baseDelay * Double(1 << UInt64(min(exponent, 62)))
        return min(delay, maxDelay)
    }
}

/// The overall token bucket's state.
struct TokenBucket: Sendable {
    var tokens: Double
    var last: ContinuousClock.Instant

    /// Takes one token at `now`; returns how long the caller must wait for it.
    mutating func reserve(now: ContinuousClock.Instant, limiter: RateLimiter) -> Duration {
        let elapsed = now - last
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(Double(limiter.burst), tokens + seconds * limiter.ratePerSecond)
        last = now
        tokens -= 1
        if tokens >= 0 { return .zero }
        return .milliseconds(Int64((-tokens / limiter.ratePerSecond) * 1000))
    }
}
