/// The crash-loop back-off between restarts of one container, as the upstream kubelet applies it:
/// the first restart is immediate, later ones wait `initial`, then twice as long each time up to
/// `maximum`, counted from when the container exited. A container that ran for at least twice
/// `maximum` before it exited starts over (restarts at once).
public struct RestartBackoff: Sendable, Hashable {
    /// The first non-zero delay (upstream: 10 s).
    public var initial: Duration
    /// The longest delay (upstream: 300 s).
    public var maximum: Duration

    /// Creates a back-off policy.
    public init(initial: Duration = .seconds(10), maximum: Duration = .seconds(300)) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The delay before the next restart of a container restarted `restarts` times so far whose
    /// last run lasted `lastRun`.
    public func delay(restarts: Int, lastRun: Duration) -> Duration {
        if restarts <= 0 || lastRun >= maximum * 2 { return .zero }
        var delay = initial
        var step = 1
        while step < restarts && delay < maximum {
            delay *= 2
            step += 1
        }
        return min(delay, maximum)
    }
}
