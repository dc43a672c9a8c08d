/// Current readings behind the eviction signals; absent readings never meet a threshold.
public struct NodeObservations: Sendable, Hashable {
    /// Memory capacity minus the node's working set, bytes.
    public var memoryAvailableBytes: Int64?
    /// Memory capacity, bytes.
    public var memoryCapacityBytes: Int64?
    /// The kubelet root's filesystem.
    public var nodefs: FilesystemUsage?
    /// The runtime's image filesystem (the same as `nodefs` when they share a filesystem).
    public var imagefs: FilesystemUsage?
    /// The highest PID the kernel hands out (`pid_max`, or `threads-max` when lower).
    public var pidMax: Int64?
    /// Processes and threads running now.
    public var runningProcesses: Int64?

    /// Creates readings.
    public init(
        memoryAvailableBytes: Int64? = nil, memoryCapacityBytes: Int64? = nil, nodefs: FilesystemUsage? = nil,
        imagefs: FilesystemUsage? = nil, pidMax: Int64? = nil, runningProcesses: Int64? = nil
    ) {
        self.memoryAvailableBytes = memoryAvailableBytes
        self.memoryCapacityBytes = memoryCapacityBytes
        self.nodefs = nodefs
        self.imagefs = imagefs
        self.pidMax = pidMax
        self.runningProcesses = runningProcesses
    }

    /// The available amount and the capacity of one signal, `nil` when not observed.
    public func reading(_ signal: EvictionSignal) -> (available: Int64, capacity: Int64)? {
        switch signal {
        case .memoryAvailable:
            guard let available = memoryAvailableBytes, let capacity = memoryCapacityBytes else { return nil }
            return (available, capacity)
        case .nodefsAvailable: return nodefs.map { ($0.availableBytes, $0.capacityBytes) }
        case .nodefsInodesFree: return nodefs.map { ($0.inodesFree, $0.inodes) }
        case .imagefsAvailable: return (imagefs ?? nodefs).map { ($0.availableBytes, $0.capacityBytes) }
        case .imagefsInodesFree: return (imagefs ?? nodefs).map { ($0.inodesFree, $0.inodes) }
        case .pidAvailable:
            guard let max = pidMax, let running = runningProcesses else { return nil }
            return (max - running, max)
        }
    }

    /// The thresholds the readings meet, in signal order (memory first).
    public func thresholdsMet(_ thresholds: [EvictionThreshold]) -> [ThresholdMet] {
        thresholds.compactMap { threshold in
            guard let reading = reading(threshold.signal), reading.capacity > 0,
                threshold.isMet(available: reading.available, capacity: reading.capacity)
            else { return nil }
            return ThresholdMet(threshold: threshold, available: reading.available, capacity: reading.capacity)
        }.sorted { $0.threshold.signal < $1.threshold.signal }
    }
}

/// A threshold the node crossed, with the reading that crossed it.
public struct ThresholdMet: Sendable, Hashable {
    /// The threshold.
    public var threshold: EvictionThreshold
    /// What is available now.
    public var available: Int64
    /// The signal's capacity.
    public var capacity: Int64

    /// Creates a record.
    public init(threshold: EvictionThreshold, available: Int64, capacity: Int64) {
        self.threshold = threshold
        self.available = available
        self.capacity = capacity
    }
}
