/// Container garbage collection settings (upstream's defaults).
public struct ContainerGCPolicy: Sendable, Hashable {
    /// Dead containers younger than this are kept (upstream: 0).
    public var minAge: Duration
    /// Dead containers kept per container of a pod, newest first (upstream: 1; negative: no limit).
    public var maxPerPodContainer: Int
    /// Dead containers kept on the node in total (upstream: -1, no limit).
    public var maxContainers: Int
    /// How often collection runs (upstream: 1 minute).
    public var period: Duration

    /// Creates a policy.
    public init(minAge: Duration = .zero, maxPerPodContainer: Int = 1, maxContainers: Int = -1, period: Duration = .seconds(60)) {
        self.minAge = minAge
        self.maxPerPodContainer = maxPerPodContainer
        self.maxContainers = maxContainers
        self.period = period
    }
}
