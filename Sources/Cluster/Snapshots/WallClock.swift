#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Calendar time for schedules: what time it is, and waiting until a given time. The system's
/// clock in production (``SystemWallClock``); tests pass one they move by hand.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Returns once ``now()`` has reached `date`.
    ///
    /// - Throws: `CancellationError` when the task is cancelled.
    func sleep(until date: Date) async throws
}

/// The system's clock. Sleeps in slices of at most a minute and re-reads the time after each,
/// so a clock set forward or backward while waiting is followed.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}

    public func now() -> Date { Date() }

    public func sleep(until date: Date) async throws {
        while true {
            let remaining = date.timeIntervalSince(Date())
            if remaining <= 0 { return }
            try await Task.sleep(for: .milliseconds(Int64(min(remaining, 60) * 1000) + 1))
        }
    }
}
