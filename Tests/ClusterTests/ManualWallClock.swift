import Foundation
import Synchronization
@testable import Cluster

/// A wall clock tests move by hand: `sleep(until:)` returns once ``advance(to:)`` reaches the
/// date (or at once when it already has).
final class ManualWallClock: WallClock {
    private struct State {
        var now: Date
        var sleepers: [(until: Date, continuation: CheckedContinuation<Void, any Error>)] = []
    }
    private let state: Mutex<State>

    init(_ now: Date) { state = Mutex(State(now: now)) }

    func now() -> Date { state.withLock { $0.now } }

    /// How many tasks are waiting in `sleep(until:)`.
    var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// The earliest time a sleeper waits for.
    var nextWake: Date? { state.withLock { $0.sleepers.map(\.until).min() } }

    func sleep(until date: Date) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let ready = state.withLock { state -> Bool in
                if state.now >= date { return true }
                state.sleepers.append((date, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Moves the time forward and wakes the sleepers whose time has come.
    func advance(to date: Date) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = date
            let due = state.sleepers.filter { $0.until <= date }
            state.sleepers.removeAll { $0.until <= date }
            return due.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Wakes every sleeper with a cancellation (test cleanup).
    func cancelAll() {
        let all = state.withLock { state in
            defer { state.sleepers = [] }
            return state.sleepers.map(\.continuation)
        }
        for continuation in all { continuation.resume(throwing: CancellationError()) }
    }
}
