import KubeAPI

/// The time source of a kubelet and of the fake runtime: a monotonic clock for timers (lease
/// renewal, back-off, hollow container run times) plus a wall-clock anchor for the timestamps the
/// API shows.
///
/// Wall time is derived from the monotonic clock (`wallTimeAtStart` + elapsed), so a test that
/// drives a manual clock sees timestamps advance exactly as far as it advanced the clock.
public struct KubeletClock: Sendable {
    private let elapsedNow: @Sendable () -> Duration
    private let sleeper: @Sendable (Duration) async throws -> Void
    /// Wall time, in nanoseconds since the Unix epoch, when this clock was created.
    public let wallNanosecondsAtStart: Int64

    /// Wraps `clock`; its current instant becomes elapsed time zero.
    public init<C: Clock>(_ clock: C, wallNanosecondsAtStart: Int64? = nil) where C.Duration == Duration {
        let origin = clock.now
        self.elapsedNow = { origin.duration(to: clock.now) }
        self.sleeper = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
        self.wallNanosecondsAtStart = wallNanosecondsAtStart ?? Self.systemWallNanoseconds()
    }

    /// The process's continuous clock anchored at the current wall time.
    public static var continuous: KubeletClock { KubeletClock(ContinuousClock()) }

    /// Monotonic time elapsed since this clock was created.
    public var elapsed: Duration { elapsedNow() }

    /// Sleeps until `elapsed` reaches `deadline`; throws `CancellationError` when cancelled.
    public func sleep(until deadline: Duration) async throws {
        try await sleeper(deadline)
    }

    /// Sleeps for `duration` from now; throws `CancellationError` when cancelled.
    public func sleep(for duration: Duration) async throws {
        try await sleeper(elapsed + duration)
    }

    /// The current wall time in nanoseconds since the Unix epoch.
    public var wallNanoseconds: Int64 { wallNanoseconds(at: elapsed) }

    /// The wall time (nanoseconds since the epoch) of a monotonic instant.
    public func wallNanoseconds(at elapsed: Duration) -> Int64 {
        let (seconds, attoseconds) = elapsed.components
        return wallNanosecondsAtStart + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// The current wall time as an API `Time` (whole seconds).
    public var now: Time { Time(secondsSinceEpoch: wallNanoseconds / 1_000_000_000) }

    /// The current wall time as an API `MicroTime`.
    public var nowMicro: MicroTime { MicroTime(microsecondsSinceEpoch: wallNanoseconds / 1_000) }

    private static func systemWallNanoseconds() -> Int64 {
        let time = MicroTime.now()
        return time.microsecondsSinceEpoch * 1_000
    }
}
