import KubeClient

/// Polls `condition` until it returns `true`, for at most `timeout`; the one "wait until" of
/// every test target.
///
/// The condition is tried at once, then again after each poll interval: the first retries only
/// yield (so conditions that another task makes true at once are seen without delay), later ones
/// sleep `interval`. A condition that throws counts as not yet true (an object that is not there
/// yet is the usual reason); its last error is reported if the wait times out.
///
/// - Parameters:
///   - what: what is awaited, for the failure message (`"3 pods running"`).
///   - timeout: how long to keep trying.
///   - interval: the pause between tries once the first quick retries are spent.
/// - Throws: ``DeadlineExceeded`` naming `what` when the deadline passes first;
///   `CancellationError` when the calling task is cancelled.
public func eventually(
    _ what: String, timeout: Duration = .seconds(30), interval: Duration = .milliseconds(10),
    _ condition: () async throws -> Bool
) async throws {
    let _: Void = try await eventually(what, timeout: timeout, interval: interval) { try await condition() ? () : nil }
}

/// Polls `probe` until it returns a value, for at most `timeout`, and returns that value; see
/// ``eventually(_:timeout:interval:_:)`` for how it polls.
///
/// - Throws: ``DeadlineExceeded`` naming `what` when the deadline passes first;
///   `CancellationError` when the calling task is cancelled.
public func eventually<Value>(
    _ what: String, timeout: Duration = .seconds(30), interval: Duration = .milliseconds(10),
    _ probe: () async throws -> Value?
) async throws -> Value {
    do {
        return try await pollUntil(what, timeout: timeout, interval: interval, probe)
    } catch let expired as PollTimeout {
        throw DeadlineExceeded(description: expired.description)
    }
}

