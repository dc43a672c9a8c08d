import Synchronization

/// Gathers the node's and its pods' figures (`/stats/summary`, `/metrics/resource`, eviction):
/// the machine through a `HostSystem` (none on hollow nodes: node figures are then the sum of
/// the pods'), the containers through CRI `containerStats`. CPU rates (`usageNanoCores`) come
/// from the previous sample of the same object, which the collector keeps.
public final class StatsCollector: KubeletStatsProvider {
    /// One cumulative CPU reading.
    public struct CPUSample: Sendable, Hashable {
        /// When, nanoseconds since the epoch.
        public var time: Int64
        /// Cumulative CPU time, nanoseconds.
        public var usage: UInt64

        /// Creates a sample.
        public init(time: Int64, usage: UInt64) {
            self.time = time
            self.usage = usage
        }
    }

    let nodeName: String
    let runtime: any RuntimeClient
    let host: (any HostSystem)?
    let settings: NodeResourceSettings
    let memoryCapacityBytes: Int64?
    let wallNanoseconds: @Sendable () -> Int64
    let startTime: StatsTime
    /// The kubelet's full sync rounds, for `/metrics`.
    let syncRounds: PodSyncRounds?
    /// Previous CPU samples by key (`node`, a container ID).
    let previous = Mutex<[String: CPUSample]>([:])

    /// Creates a collector; `wallNanoseconds` is the kubelet clock's wall time.
    public init(
        nodeName: String, runtime: any RuntimeClient, host: (any HostSystem)?, settings: NodeResourceSettings,
        memoryCapacityBytes: Int64?, wallNanoseconds: @escaping @Sendable () -> Int64, syncRounds: PodSyncRounds? = nil
    ) {
        self.syncRounds = syncRounds
        self.nodeName = nodeName
        self.runtime = runtime
        self.host = host
        self.settings = settings
        self.memoryCapacityBytes = memoryCapacityBytes
        self.wallNanoseconds = wallNanoseconds
        self.startTime = StatsTime(nanoseconds: wallNanoseconds())
    }

    /// The average use in billionths of a core between two samples; `nil` without an earlier
    /// sample, when time did not advance or the counter went back (a restarted container).
    public static func nanoCores(previous: CPUSample?, current: CPUSample) -> UInt64? {
        guard let previous, current.time > previous.time, current.usage >= previous.usage else { return nil }
        let used = Double(current.usage - previous.usage)
        return UInt64((used / Double(current.time - previous.time) * 1e9).rounded())
    }

    /// Records `current` under `key` and returns the rate since the previous sample.
    func rate(_ key: String, _ current: CPUSample) -> UInt64? {
        previous.withLock { samples in
            let last = samples[key]
            if last == nil || current.time > last!.time { samples[key] = current }
            return Self.nanoCores(previous: last, current: current)
        }
    }

    /// Gathers a summary now.
    public func collect() async throws -> StatsSummary {
        let sandboxes = try await runtime.listPodSandbox().filter { $0.state == .ready }
        let stats = try await runtime.containerStats(CRI.ContainerFilter())
        let containers = try await runtime.listContainers()
        let created = Dictionary(containers.map { ($0.id, $0.createdAt) }, uniquingKeysWith: { first, _ in first })
        let now = wallNanoseconds()
        var pods: [PodStats] = []
        var seen = Set<String>()
        for sandbox in sandboxes {
            let mine = stats.filter { $0.podSandboxID == sandbox.id }
            var entries: [ContainerStats] = []
            for stat in mine.sorted(by: { $0.metadata.name < $1.metadata.name }) {
                seen.insert(stat.containerID)
                let time = StatsTime(nanoseconds: stat.timestamp > 0 ? stat.timestamp : now)
                let cores = rate(stat.containerID, CPUSample(time: time.nanoseconds, usage: stat.cpuUsageCoreNanoseconds))
                entries.append(
                    ContainerStats(
                        name: stat.metadata.name, startTime: created[stat.containerID].map { StatsTime(nanoseconds: $0) },
                        cpu: CPUStats(time: time, usageNanoCores: cores, usageCoreNanoSeconds: stat.cpuUsageCoreNanoseconds),
                        memory: MemoryStats(time: time, workingSetBytes: stat.memoryWorkingSetBytes),
                        rootfs: FsStats(time: time, usedBytes: stat.writableLayerBytes)))
            }
            pods.append(Self.podStats(sandbox: sandbox, containers: entries, now: StatsTime(nanoseconds: now)))
        }
        previous.withLock { samples in samples = samples.filter { $0.key == "node" || seen.contains($0.key) } }
        return StatsSummary(node: nodeStats(pods: pods, now: StatsTime(nanoseconds: now)), pods: pods)
    }

    /// A pod's figures: the sums of its containers'.
    static func podStats(sandbox: CRI.PodSandbox, containers: [ContainerStats], now: StatsTime) -> PodStats {
        let time = containers.compactMap { $0.cpu?.time }.max() ?? now
        let usage = containers.compactMap { $0.cpu?.usageCoreNanoSeconds }.reduce(0, +)
        let rates = containers.map { $0.cpu?.usageNanoCores }
        let cores = rates.contains(nil) ? nil : rates.compactMap { $0 }.reduce(0, +)
        let workingSet = containers.compactMap { $0.memory?.workingSetBytes }.reduce(0, +)
        let layers = containers.compactMap { $0.rootfs?.usedBytes }.reduce(0, +)
        return PodStats(
            podRef: PodReference(name: sandbox.metadata.name, namespace: sandbox.metadata.namespace, uid: sandbox.metadata.uid),
            startTime: StatsTime(nanoseconds: sandbox.createdAt), containers: containers,
            cpu: CPUStats(time: time, usageNanoCores: cores, usageCoreNanoSeconds: usage),
            memory: MemoryStats(time: time, workingSetBytes: workingSet),
            ephemeralStorage: FsStats(time: time, usedBytes: layers))
    }

    /// The node's figures: the machine's, or the pods' sums on a hollow node.
    func nodeStats(pods: [PodStats], now: StatsTime) -> NodeStats {
        guard let host else {
            let usage = pods.compactMap { $0.cpu?.usageCoreNanoSeconds }.reduce(0, +)
            let workingSet = pods.compactMap { $0.memory?.workingSetBytes }.reduce(0, +)
            return NodeStats(
                nodeName: nodeName, startTime: startTime,
                cpu: CPUStats(time: now, usageNanoCores: rate("node", CPUSample(time: now.nanoseconds, usage: usage)), usageCoreNanoSeconds: usage),
                memory: MemoryStats(time: now, usageBytes: workingSet, workingSetBytes: workingSet))
        }
        let usage = NodeUsage(reading: host)
        var node = NodeStats(nodeName: nodeName, startTime: startTime)
        if let cpu = usage.cpuUsageCoreNanoseconds {
            node.cpu = CPUStats(time: now, usageNanoCores: rate("node", CPUSample(time: now.nanoseconds, usage: cpu)), usageCoreNanoSeconds: cpu)
        }
        func bytes(_ value: Int64?) -> UInt64? { value.map { UInt64(max(0, $0)) } }
        node.memory = MemoryStats(
            time: now, availableBytes: memoryCapacityBytes.flatMap { capacity in bytes(usage.memoryWorkingSetBytes.map { capacity - $0 }) },
            usageBytes: bytes(usage.memoryUsageBytes), workingSetBytes: bytes(usage.memoryWorkingSetBytes), rssBytes: bytes(usage.memoryRSSBytes),
            pageFaults: bytes(usage.pageFaults), majorPageFaults: bytes(usage.majorPageFaults))
        node.fs = host.filesystemUsage(settings.rootDirectory).map { FsStats(time: now, usage: $0) }
        let imagefs = settings.imageFilesystemPath.flatMap { host.filesystemUsage($0) } ?? host.filesystemUsage(settings.rootDirectory)
        node.runtime = RuntimeStats(imageFs: imagefs.map { FsStats(time: now, usage: $0) })
        node.rlimit = RlimitStats(time: now, maxpid: usage.pidMax, curproc: usage.processes)
        return node
    }

    /// The readings behind the eviction signals, from a summary.
    public func observations(_ summary: StatsSummary) -> NodeObservations {
        func usage(_ fs: FsStats?) -> FilesystemUsage? {
            guard let fs, let capacity = fs.capacityBytes, let available = fs.availableBytes else { return nil }
            return FilesystemUsage(
                capacityBytes: Int64(capacity), availableBytes: Int64(available), inodes: Int64(fs.inodes ?? 0),
                inodesFree: Int64(fs.inodesFree ?? 0))
        }
        return NodeObservations(
            memoryAvailableBytes: summary.node.memory?.availableBytes.map { Int64($0) }, memoryCapacityBytes: memoryCapacityBytes,
            nodefs: usage(summary.node.fs), imagefs: usage(summary.node.runtime?.imageFs),
            pidMax: summary.node.rlimit?.maxpid, runningProcesses: summary.node.rlimit?.curproc)
    }

    /// `/stats/summary` as JSON.
    public func summary() async throws -> [UInt8] {
        try await collect().jsonBytes()
    }

    /// `/metrics/resource`; a failure to gather is reported as `scrape_error 1`, not thrown.
    public func resourceMetrics() async throws -> String {
        let summary = try? await collect()
        return ResourceMetrics.text(summary)
    }

    /// `/metrics`: the runtime's pods and containers and the kubelet's sync rounds.
    public func kubeletMetrics() async throws -> String {
        let sandboxes = try await runtime.listPodSandbox()
        let containers = try await runtime.listContainers()
        return KubeletMetrics.text(sandboxes: sandboxes, containers: containers, rounds: syncRounds?.figures ?? .init())
    }
}
