/// The outcome of running a probe handler once.
public enum ProbeResult: Sendable, Hashable {
    /// The check passed.
    case success
    /// The check passed with a remark (an HTTP probe whose redirects were not followed); counted
    /// as a success, reported as a `ProbeWarning` event.
    case warning(String)
    /// The check failed; the message is what the `Unhealthy` event shows after
    /// `<Kind> probe failed: `.
    case failure(String)
    /// The probe could not be run (an unknown port name); the result is thrown away and the
    /// message shown after `<Kind> probe errored: `.
    case error(String)

    /// Whether the outcome counts as a success.
    public var isSuccess: Bool {
        switch self {
        case .success, .warning: true
        case .failure, .error: false
        }
    }
}
