import Synchronization

/// Runs `body` against a deadline and returns its value, or `nil` when `deadline` passes
/// first: the one deadline of the project (health checks, the tests' `withDeadline`).
///
/// When the deadline wins, `body` is cancelled and left behind, not awaited: a body that
/// ignores cancellation (a stuck read, a watch that never ends) cannot hold up the caller.
/// An error `body` throws before the deadline is rethrown.
///
/// - Throws: what `body` throws before the deadline.
public func raceDeadline<T: Sendable>(
    _ deadline: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T? {
    let race = DeadlineRace<T>()
    return try await withCheckedThrowingContinuation { continuation in
        race.start(continuation)
        let work = Task {
            do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: deadline)
            race.finish(.success(nil))
            work.cancel()
        }
        race.onFinish { timer.cancel() }
    }
}

/// The first of the body's answer and the timer's, given to one waiting continuation; the
/// later one is dropped.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T?, any Error>?
        var finished = false
        var cleanup: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T?, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `cleanup` once finished (at once when already finished).
    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            if state.finished { return true }
            state.cleanup = cleanup
            return false
        }
        if now { cleanup() }
    }

    func finish(_ result: Result<T?, any Error>) {
        let (continuation, cleanup) = state.withLock { state -> (CheckedContinuation<T?, any Error>?, (@Sendable () -> Void)?) in
            guard !state.finished else { return (nil, nil) }
            state.finished = true
            defer { state.continuation = nil; state.cleanup = nil }
            return (state.continuation, state.cleanup)
        }
        continuation?.resume(with: result)
        cleanup?()
    }
}
