extension KubeletClock {
    /// The clock's monotonic timeline as a standard `Clock`, for APIs that take one (the pod work
    /// queue's delayed adds).
    public var monotonic: Monotonic { Monotonic(base: self) }

    /// A `Clock` whose instants are the elapsed time of a ``KubeletClock``.
    public struct Monotonic: Clock {
        /// A point on the timeline: the time elapsed since the kubelet clock was created.
        public struct Instant: InstantProtocol {
            /// Elapsed time since the kubelet clock was created.
            public var elapsed: Duration

            /// The instant `duration` later.
            public func advanced(by duration: Duration) -> Instant { Instant(elapsed: elapsed + duration) }

            /// The time from this instant to `other`.
            public func duration(to other: Instant) -> Duration { other.elapsed - elapsed }

            /// Whether `lhs` comes first.
            public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.elapsed < rhs.elapsed }
        }

        let base: KubeletClock

        /// The current instant.
        public var now: Instant { Instant(elapsed: base.elapsed) }

        /// As fine as `Duration`.
        public var minimumResolution: Duration { .nanoseconds(1) }

        /// Sleeps until `deadline`; throws `CancellationError` when cancelled.
        public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
            try await base.sleep(until: deadline.elapsed)
        }
    }
}
