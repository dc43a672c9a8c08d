/// A test waited longer than its deadline for something to happen.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    /// What was awaited and what happened instead.
    public var description: String

    /// Creates the error.
    public init(description: String) {
        self.description = description
    }
}

/// Runs `body`, failing with ``DeadlineExceeded`` if it does not finish within `deadline`.
///
/// `body` must react to cancellation (datastore calls and `Task.sleep` do).
public func withDeadline<T: Sendable>(
    _ deadline: Duration = .seconds(30),
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: deadline)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw DeadlineExceeded(description: "\(what) did not finish within \(deadline)")
        }
        return value
    }
}
