import KubeClient

/// A test waited longer than its deadline for something to happen.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// What was awaited and what happened instead.
    public var description: String

    /// Creates the error.
    public init(description: String) {
        self.description = description
    }
}

/// Runs `body`, failing with ``DeadlineExceeded`` if it does not finish within `deadline`
/// (KubeClient's `raceDeadline`: a body still running then is cancelled and left behind).
public func withDeadline<T: Sendable>(
    _ deadline: Duration = .seconds(30),
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    guard let value = try await raceDeadline(deadline, body) else {
        throw DeadlineExceeded(description: "\(what) did not finish within \(deadline)")
    }
    return value
}
