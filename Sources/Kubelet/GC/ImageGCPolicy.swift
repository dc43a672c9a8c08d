/// Image garbage collection settings (upstream's defaults).
public struct ImageGCPolicy: Sendable, Hashable {
    /// Collection starts when the image filesystem is at least this full, in percent (upstream: 85).
    public var highThresholdPercent: Int
    /// Collection frees space down to this usage, in percent (upstream: 80).
    public var lowThresholdPercent: Int
    /// Images first seen less than this long ago are kept (upstream: 2 minutes).
    public var minAge: Duration
    /// How often collection runs (upstream: 5 minutes).
    public var period: Duration

    /// Creates a policy.
    public init(highThresholdPercent: Int = 85, lowThresholdPercent: Int = 80, minAge: Duration = .seconds(120), period: Duration = .seconds(300)) {
        self.highThresholdPercent = highThresholdPercent
        self.lowThresholdPercent = lowThresholdPercent
        self.minAge = minAge
        self.period = period
    }
}
