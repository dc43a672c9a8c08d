import KubeAPI

/// A signal the kubelet watches for node-pressure eviction (upstream's names).
public enum EvictionSignal: String, Sendable, Hashable, CaseIterable, Comparable {
    /// Memory capacity minus the node's working set.
    case memoryAvailable = "memory.available"
    /// Free bytes of the kubelet root's filesystem.
    case nodefsAvailable = "nodefs.available"
    /// Free inodes of the kubelet root's filesystem.
    case nodefsInodesFree = "nodefs.inodesFree"
    /// Free bytes of the runtime's image filesystem.
    case imagefsAvailable = "imagefs.available"
    /// Free inodes of the runtime's image filesystem.
    case imagefsInodesFree = "imagefs.inodesFree"
    /// `pid_max` minus the running processes.
    case pidAvailable = "pid.available"

    /// The node condition the signal drives.
    public var condition: NodePressure.Condition {
        switch self {
        case .memoryAvailable: .memory
        case .nodefsAvailable, .nodefsInodesFree, .imagefsAvailable, .imagefsInodesFree: .disk
        case .pidAvailable: .pid
        }
    }

    /// The resource reclaimed by evicting pods (`memory`, `ephemeral-storage`, `pids`); also
    /// the word in the eviction message.
    public var resource: String {
        switch self {
        case .memoryAvailable: "memory"
        case .nodefsAvailable, .imagefsAvailable: "ephemeral-storage"
        case .nodefsInodesFree, .imagefsInodesFree: "inodes"
        case .pidAvailable: "pids"
        }
    }

    /// Memory first, then disk, then PIDs (the order thresholds are acted on).
    public static func < (lhs: EvictionSignal, rhs: EvictionSignal) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One hard eviction threshold: `signal < value`, the value an absolute quantity or a share of
/// the signal's capacity.
public struct EvictionThreshold: Sendable, Hashable {
    /// An absolute quantity (`100Mi`) or a percentage of capacity (`10%`).
    public enum Value: Sendable, Hashable {
        /// An amount (bytes, inodes or PIDs).
        case quantity(Quantity)
        /// A share of the capacity, 0...100.
        case percentage(Double)
    }

    /// The watched signal.
    public var signal: EvictionSignal
    /// The level below which the threshold is met.
    public var value: Value

    /// Creates a threshold.
    public init(signal: EvictionSignal, value: Value) {
        self.signal = signal
        self.value = value
    }

    /// Upstream's default hard thresholds: `memory.available<100Mi`, `nodefs.available<10%`,
    /// `imagefs.available<15%`, `nodefs.inodesFree<5%`.
    public static let defaultHard: [String: String] = [
        "memory.available": "100Mi", "nodefs.available": "10%", "imagefs.available": "15%", "nodefs.inodesFree": "5%",
    ]

    /// The threshold as an amount, given the signal's capacity.
    public func amount(capacity: Int64) -> Int64 {
        switch value {
        case .quantity(let quantity): quantity.value
        case .percentage(let percent): Int64((Double(capacity) * percent / 100).rounded(.up))
        }
    }

    /// Whether `available` (of `capacity`) is below the threshold.
    public func isMet(available: Int64, capacity: Int64) -> Bool {
        available < amount(capacity: capacity)
    }

    /// The threshold as text (`100Mi`, `10%`).
    public var valueText: String {
        switch value {
        case .quantity(let quantity): quantity.description
        case .percentage(let percent):
            percent == percent.rounded() ? "\(Int64(percent))%" : "\(percent)%"
        }
    }

    /// Parses a map of `signal: value` (`"memory.available": "100Mi"`; a leading `<` is
    /// allowed). A value of `0` or `0%` disables the signal. Throws ``NodeSettingError`` for
    /// unknown signals, other operators, negative or malformed values and percentages over 100.
    public static func parse(_ map: [String: String]) throws(NodeSettingError) -> [EvictionThreshold] {
        var thresholds: [EvictionThreshold] = []
        for (key, raw) in map {
            guard let signal = EvictionSignal(rawValue: key) else {
                throw NodeSettingError("unknown eviction signal \"\(key)\"")
            }
            var text = raw.trimmed
            if text.hasPrefix("<") { text.removeFirst() }
            if text.hasSuffix("%") {
                guard let percent = Double(text.dropLast()), percent >= 0, percent <= 100 else {
                    throw NodeSettingError("eviction threshold \(key) must be a percentage between 0% and 100%, got \"\(raw)\"")
                }
                if percent > 0 { thresholds.append(EvictionThreshold(signal: signal, value: .percentage(percent))) }
            } else {
                guard let quantity = try? Quantity(parsing: text), quantity.sign >= 0 else {
                    throw NodeSettingError("eviction threshold \(key) must be a non-negative quantity or percentage, got \"\(raw)\"")
                }
                if !quantity.isZero { thresholds.append(EvictionThreshold(signal: signal, value: .quantity(quantity))) }
            }
        }
        return thresholds.sorted { $0.signal < $1.signal }
    }

    /// Parses the flag form `memory.available<100Mi,nodefs.available<10%` (`--eviction-hard`).
    public static func parseFlag(_ text: String) throws(NodeSettingError) -> [String: String] {
        var map: [String: String] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "<", maxSplits: 1)
            guard parts.count == 2 else {
                throw NodeSettingError("eviction threshold \"\(entry)\" must have the form SIGNAL<VALUE")
            }
            map[String(parts[0]).trimmed] = String(parts[1]).trimmed
        }
        return map
    }
}
