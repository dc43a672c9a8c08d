/// The nodes the pod garbage collector has seen missing from its cache, and since when.
///
/// A node that disappears may only be slow to reach the cache (or be re-registering), so
/// its pods are not collected when it is first missed: only once it has been missing for the
/// whole quarantine (upstream: 40 s) is it confirmed gone with a live read.
public struct NodeQuarantine: Sendable {
    /// How long a node must stay missing before its pods are candidates.
    public let duration: Duration
    private var missingSince: [String: ContinuousClock.Instant] = [:]

    /// Creates an empty quarantine of `duration`.
    public init(duration: Duration) {
        self.duration = duration
    }

    /// Records which nodes are missing at `now` and returns those missing for at least the
    /// quarantine, in name order. A node no longer missing (it came back, or no pod names it
    /// any more) leaves quarantine, and starts it again if it goes missing later.
    public mutating func expired(missing: Set<String>, now: ContinuousClock.Instant) -> [String] {
        missingSince = missingSince.filter { missing.contains($0.key) }
        for node in missing where missingSince[node] == nil { missingSince[node] = now }
        return missingSince.filter { now - $0.value >= duration }.keys.sorted()
    }
}
