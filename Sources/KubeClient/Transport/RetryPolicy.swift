import KubeAPI

/// When and how long the HTTPS transport waits before trying a request again: on connection
/// failures, and on 429 and 503 answers (honouring `Retry-After`), for idempotent requests
/// (GET, PUT, DELETE); a connection that could not be opened at all is retried for every method.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total, the first included (1 disables retries).
    public var maxAttempts: Int
    /// The wait before the first retry; doubled for each further one.
    public var initialBackoff: Duration
    /// The longest wait between attempts (also caps `Retry-After`).
    public var maxBackoff: Duration

    /// Creates a policy.
    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(10)) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// No retries.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed;
    /// `retryAfter` is the response's `Retry-After` header, in seconds, if any.
    public func delay(afterAttempt attempt: Int, retryAfter: String?) -> Duration {
        if let retryAfter, let seconds = Int(retryAfter.trimmingSpaces()), seconds >= 0 {
            return min(.seconds(seconds), maxBackoff)
        }
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) {
            delay *= 2
            if delay >= maxBackoff { return maxBackoff }
        }
        return min(delay, maxBackoff)
    }

    /// Whether a request with `method` may be sent again after it may have reached the server.
    static func isIdempotent(_ method: String) -> Bool {
        method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE"
    }
}
