import KubeAPI

/// The kubelet's `/stats/summary` answer (`stats/v1alpha1` `Summary`), the figures behind
/// `metrics.k8s.io` and `kubectl top`. Field names are upstream's; absent figures are left out.
public struct StatsSummary: Codable, Sendable, Hashable {
    /// The node's own figures.
    public var node: NodeStats
    /// One entry per running pod.
    public var pods: [PodStats]

    /// Creates a summary.
    public init(node: NodeStats, pods: [PodStats]) {
        self.node = node
        self.pods = pods
    }

    /// The summary as JSON bytes.
    public func jsonBytes() throws -> [UInt8] {
        try JSONValue(encoding: self).serialized(escapingHTML: false)
    }
}

/// A sample time: nanoseconds inside, RFC 3339 with whole seconds on the wire (as
/// `metav1.Time`); the Prometheus text uses it in milliseconds.
public struct StatsTime: Codable, Sendable, Hashable, Comparable {
    /// Nanoseconds since the epoch.
    public var nanoseconds: Int64

    /// Creates a time.
    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    /// Milliseconds since the epoch.
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    /// Reads an RFC 3339 timestamp.
    public init(from decoder: any Decoder) throws {
        let time = try Time(from: decoder)
        nanoseconds = time.secondsSinceEpoch * 1_000_000_000
    }

    /// Writes an RFC 3339 timestamp.
    public func encode(to encoder: any Encoder) throws {
        try Time(secondsSinceEpoch: nanoseconds / 1_000_000_000).encode(to: encoder)
    }

    /// Earlier first.
    public static func < (lhs: StatsTime, rhs: StatsTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

/// CPU figures (`CPUStats`).
public struct CPUStats: Codable, Sendable, Hashable {
    /// When they were taken.
    public var time: StatsTime
    /// Average use since the previous sample, in billionths of a core; absent on the first sample.
    public var usageNanoCores: UInt64?
    /// Cumulative CPU time, nanoseconds.
    public var usageCoreNanoSeconds: UInt64?

    /// Creates figures.
    public init(time: StatsTime, usageNanoCores: UInt64? = nil, usageCoreNanoSeconds: UInt64? = nil) {
        self.time = time
        self.usageNanoCores = usageNanoCores
        self.usageCoreNanoSeconds = usageCoreNanoSeconds
    }
}

/// Memory figures (`MemoryStats`).
public struct MemoryStats: Codable, Sendable, Hashable {
    /// When they were taken.
    public var time: StatsTime
    /// Capacity (or limit) minus the working set.
    public var availableBytes: UInt64?
    /// Total use, page cache included.
    public var usageBytes: UInt64?
    /// Use minus inactive file pages: what eviction and `kubectl top` count.
    public var workingSetBytes: UInt64?
    /// Anonymous and swap cache memory.
    public var rssBytes: UInt64?
    /// Page faults.
    public var pageFaults: UInt64?
    /// Major page faults.
    public var majorPageFaults: UInt64?

    /// Creates figures.
    public init(
        time: StatsTime, availableBytes: UInt64? = nil, usageBytes: UInt64? = nil, workingSetBytes: UInt64? = nil,
        rssBytes: UInt64? = nil, pageFaults: UInt64? = nil, majorPageFaults: UInt64? = nil
    ) {
        self.time = time
        self.availableBytes = availableBytes
        self.usageBytes = usageBytes
        self.workingSetBytes = workingSetBytes
        self.rssBytes = rssBytes
        self.pageFaults = pageFaults
        self.majorPageFaults = majorPageFaults
    }
}

/// Filesystem figures (`FsStats`).
public struct FsStats: Codable, Sendable, Hashable {
    /// When they were taken.
    public var time: StatsTime
    /// Bytes available.
    public var availableBytes: UInt64?
    /// Total bytes.
    public var capacityBytes: UInt64?
    /// Bytes used.
    public var usedBytes: UInt64?
    /// Free inodes.
    public var inodesFree: UInt64?
    /// Total inodes.
    public var inodes: UInt64?
    /// Inodes used.
    public var inodesUsed: UInt64?

    /// Creates figures.
    public init(
        time: StatsTime, availableBytes: UInt64? = nil, capacityBytes: UInt64? = nil, usedBytes: UInt64? = nil,
        inodesFree: UInt64? = nil, inodes: UInt64? = nil, inodesUsed: UInt64? = nil
    ) {
        self.time = time
        self.availableBytes = availableBytes
        self.capacityBytes = capacityBytes
        self.usedBytes = usedBytes
        self.inodesFree = inodesFree
        self.inodes = inodes
        self.inodesUsed = inodesUsed
    }

    /// The figures of a `statvfs` reading.
    public init(time: StatsTime, usage: FilesystemUsage) {
        self.init(
            time: time, availableBytes: UInt64(max(0, usage.availableBytes)), capacityBytes: UInt64(max(0, usage.capacityBytes)),
            usedBytes: UInt64(usage.usedBytes), inodesFree: UInt64(max(0, usage.inodesFree)), inodes: UInt64(max(0, usage.inodes)),
            inodesUsed: UInt64(max(0, usage.inodes - usage.inodesFree)))
    }
}

/// The runtime's filesystems (`RuntimeStats`).
public struct RuntimeStats: Codable, Sendable, Hashable {
    /// The image filesystem.
    public var imageFs: FsStats?

    /// Creates figures.
    public init(imageFs: FsStats?) {
        self.imageFs = imageFs
    }
}

/// Process limits (`RlimitStats`).
public struct RlimitStats: Codable, Sendable, Hashable {
    /// When they were taken.
    public var time: StatsTime
    /// The highest PID.
    public var maxpid: Int64?
    /// Processes running.
    public var curproc: Int64?

    /// Creates figures.
    public init(time: StatsTime, maxpid: Int64?, curproc: Int64?) {
        self.time = time
        self.maxpid = maxpid
        self.curproc = curproc
    }
}

/// The node's figures (`NodeStats`).
public struct NodeStats: Codable, Sendable, Hashable {
    /// The node's name.
    public var nodeName: String
    /// When the node (the kubelet) started.
    public var startTime: StatsTime?
    /// CPU.
    public var cpu: CPUStats?
    /// Memory.
    public var memory: MemoryStats?
    /// The kubelet root's filesystem.
    public var fs: FsStats?
    /// The runtime's filesystems.
    public var runtime: RuntimeStats?
    /// Process limits.
    public var rlimit: RlimitStats?

    /// Creates figures.
    public init(
        nodeName: String, startTime: StatsTime? = nil, cpu: CPUStats? = nil, memory: MemoryStats? = nil, fs: FsStats? = nil,
        runtime: RuntimeStats? = nil, rlimit: RlimitStats? = nil
    ) {
        self.nodeName = nodeName
        self.startTime = startTime
        self.cpu = cpu
        self.memory = memory
        self.fs = fs
        self.runtime = runtime
        self.rlimit = rlimit
    }
}

/// Names a pod (`PodReference`).
public struct PodReference: Codable, Sendable, Hashable {
    /// The pod's name.
    public var name: String
    /// Its namespace.
    public var namespace: String
    /// Its UID.
    public var uid: String

    /// Creates a reference.
    public init(name: String, namespace: String, uid: String) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
    }
}

/// One pod's figures (`PodStats`): the sum of its containers'.
public struct PodStats: Codable, Sendable, Hashable {
    /// The pod.
    public var podRef: PodReference
    /// When its sandbox was created.
    public var startTime: StatsTime?
    /// Its containers.
    public var containers: [ContainerStats]
    /// CPU.
    public var cpu: CPUStats?
    /// Memory.
    public var memory: MemoryStats?
    /// Writable layers of its containers.
    public var ephemeralStorage: FsStats?

    enum CodingKeys: String, CodingKey {
        case podRef, startTime, containers, cpu, memory
        case ephemeralStorage = "ephemeral-storage"
    }

    /// Creates figures.
    public init(
        podRef: PodReference, startTime: StatsTime? = nil, containers: [ContainerStats], cpu: CPUStats? = nil, memory: MemoryStats? = nil,
        ephemeralStorage: FsStats? = nil
    ) {
        self.podRef = podRef
        self.startTime = startTime
        self.containers = containers
        self.cpu = cpu
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
    }
}

/// One container's figures (`ContainerStats`).
public struct ContainerStats: Codable, Sendable, Hashable {
    /// The container's name in the pod.
    public var name: String
    /// When it started (was created).
    public var startTime: StatsTime?
    /// CPU.
    public var cpu: CPUStats?
    /// Memory.
    public var memory: MemoryStats?
    /// Its writable layer.
    public var rootfs: FsStats?

    /// Creates figures.
    public init(name: String, startTime: StatsTime? = nil, cpu: CPUStats? = nil, memory: MemoryStats? = nil, rootfs: FsStats? = nil) {
        self.name = name
        self.startTime = startTime
        self.cpu = cpu
        self.memory = memory
        self.rootfs = rootfs
    }
}
