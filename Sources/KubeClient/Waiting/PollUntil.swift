/// Polls `probe` until it returns a value, for at most `timeout`, and returns that value: the
/// one polling loop of the project (the tests' `eventually` and `TestCluster.waitUntil` are
/// built on it). Prefer awaiting an event; poll only what has no event to await.
///
/// The probe is tried at once, then again after each interval: the first 20 retries only yield
/// (so what another task makes true at once is seen without delay), later ones sleep `interval`.
/// A probe that throws counts as "not yet" (an object that does not exist yet is the usual
/// reason); its last error is reported if the wait times out.
///
/// - Parameters:
///   - what: what is awaited, for the timeout message (`"3 pods running"`).
///   - timeout: how long to keep trying.
///   - interval: the pause between tries once the quick retries are spent.
///   - probe: returns the awaited value, or `nil` while it is not there yet.
/// - Throws: ``PollTimeout`` naming `what` when the deadline passes first;
///   `CancellationError` when the calling task is cancelled.
public func pollUntil<Value>(
    _ what: String, timeout: Duration, interval: Duration, _ probe: () async throws -> Value?
) async throws -> Value {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var attempts = 0
    var lastError: (any Error)?
    while true {
        try Task.checkCancellation()
        do {
            if let value = try await probe() { return value }
            lastError = nil
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            lastError = error
        }
        attempts += 1
        guard clock.now < deadline else {
            throw PollTimeout(what: what, timeout: timeout, attempts: attempts, lastError: lastError.map { "\($0)" })
        }
        if attempts <= quickRetries {
            await Task.yield()
        } else {
            try await Task.sleep(for: min(interval, deadline - clock.now), clock: clock)
        }
    }
}

/// Tries a poll makes before it starts sleeping between tries.
private let quickRetries = 20

/// ``pollUntil(_:timeout:interval:_:)`` ran out of time.
public struct PollTimeout: Error, CustomStringConvertible, Sendable {
    /// What was awaited.
    public var what: String
    /// How long the poll tried.
    public var timeout: Duration
    /// How many times the probe ran.
    public var attempts: Int
    /// The last error the probe threw, when its last try threw.
    public var lastError: String?

    /// `timed out after 30 seconds waiting for 3 pods running (412 tries; last error: ...)`.
    public var description: String {
        "timed out after \(timeout) waiting for \(what) (\(attempts) tries" + (lastError.map { "; last error: \($0))" } ?? ")")
    }
}
