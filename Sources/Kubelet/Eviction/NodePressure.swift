/// The pressure conditions a node reports (`MemoryPressure`, `DiskPressure`, `PIDPressure`).
public struct NodePressure: Sendable, Hashable {
    /// One pressure condition.
    public enum Condition: String, Sendable, Hashable, CaseIterable {
        /// `MemoryPressure`.
        case memory = "MemoryPressure"
        /// `DiskPressure`.
        case disk = "DiskPressure"
        /// `PIDPressure`.
        case pid = "PIDPressure"
    }

    /// The conditions that hold.
    public var conditions: Set<Condition>

    /// Creates a pressure.
    public init(_ conditions: Set<Condition> = []) {
        self.conditions = conditions
    }

    /// No pressure (hollow nodes).
    public static let none = NodePressure()

    /// Whether a condition holds.
    public func has(_ condition: Condition) -> Bool { conditions.contains(condition) }
}

/// Keeps a pressure condition on for a transition period after its threshold was last met
/// (upstream's `evictionPressureTransitionPeriod`, 5 minutes), so the condition does not flap.
public struct PressureTracker: Sendable, Hashable {
    /// When each condition's threshold was last met (the kubelet clock's elapsed time).
    public private(set) var lastMet: [NodePressure.Condition: Duration] = [:]
    /// How long a condition stays after its threshold is no longer met.
    public var transitionPeriod: Duration

    /// Creates a tracker.
    public init(transitionPeriod: Duration = .seconds(300)) {
        self.transitionPeriod = transitionPeriod
    }

    /// Records the thresholds met at `now` and returns the pressure to report.
    public mutating func update(met: [ThresholdMet], now: Duration) -> NodePressure {
        for record in met { lastMet[record.threshold.signal.condition] = now }
        let metNow = Set(met.map(\.threshold.signal.condition))
        let holding = lastMet.filter { metNow.contains($0.key) || now - $0.value < transitionPeriod }
        return NodePressure(Set(holding.keys))
    }
}
