/// The node's current CPU, memory and process figures, read from the root cgroup (v1 or v2),
/// `/proc/stat`, `/proc/meminfo` and `/proc/loadavg`.
public struct NodeUsage: Sendable, Hashable {
    /// Cumulative CPU time of the whole node, nanoseconds.
    public var cpuUsageCoreNanoseconds: UInt64?
    /// Memory in use, page cache included.
    public var memoryUsageBytes: Int64?
    /// Use minus inactive file pages.
    public var memoryWorkingSetBytes: Int64?
    /// Anonymous memory.
    public var memoryRSSBytes: Int64?
    /// Page faults.
    public var pageFaults: Int64?
    /// Major page faults.
    public var majorPageFaults: Int64?
    /// The highest PID (`pid_max`, or `threads-max` when lower).
    public var pidMax: Int64?
    /// Processes and threads now.
    public var processes: Int64?

    /// Creates figures.
    public init(
        cpuUsageCoreNanoseconds: UInt64? = nil, memoryUsageBytes: Int64? = nil, memoryWorkingSetBytes: Int64? = nil,
        memoryRSSBytes: Int64? = nil, pageFaults: Int64? = nil, majorPageFaults: Int64? = nil, pidMax: Int64? = nil, processes: Int64? = nil
    ) {
        self.cpuUsageCoreNanoseconds = cpuUsageCoreNanoseconds
        self.memoryUsageBytes = memoryUsageBytes
        self.memoryWorkingSetBytes = memoryWorkingSetBytes
        self.memoryRSSBytes = memoryRSSBytes
        self.pageFaults = pageFaults
        self.majorPageFaults = majorPageFaults
        self.pidMax = pidMax
        self.processes = processes
    }

    /// Which cgroup hierarchy the host mounts at `/sys/fs/cgroup`.
    public enum CgroupVersion: Sendable, Hashable {
        /// One hierarchy per controller (`/sys/fs/cgroup/cpuacct`, `/sys/fs/cgroup/memory`).
        case v1
        /// The unified hierarchy (`cgroup.controllers` at the top).
        case v2
    }

    /// v2 when `/sys/fs/cgroup/cgroup.controllers` exists, v1 otherwise.
    public static func cgroupVersion(_ host: any HostSystem) -> CgroupVersion {
        host.readFile("/sys/fs/cgroup/cgroup.controllers") != nil ? .v2 : .v1
    }

    /// Reads the node's figures. CPU comes from the root cgroup (`cpuacct.usage`, or `cpu.stat`'s
    /// `usage_usec`), else `/proc/stat`; memory from the root memory cgroup on v1 (usage minus
    /// `total_inactive_file`), else `/proc/meminfo` (`MemTotal − MemFree − Inactive(file)`).
    public init(reading host: any HostSystem) {
        self.init()
        let version = Self.cgroupVersion(host)
        switch version {
        case .v1:
            let usage = host.readFile("/sys/fs/cgroup/cpuacct/cpuacct.usage") ?? host.readFile("/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage")
            cpuUsageCoreNanoseconds = usage.flatMap { UInt64($0.trimmed) }
        case .v2:
            cpuUsageCoreNanoseconds = host.readFile("/sys/fs/cgroup/cpu.stat").flatMap { Self.keyedValues($0)["usage_usec"] }
                .map { UInt64(max(0, $0)) * 1_000 }
        }
        if cpuUsageCoreNanoseconds == nil { cpuUsageCoreNanoseconds = host.readFile("/proc/stat").flatMap(Self.procStatCPU) }
        let meminfo = host.readFile("/proc/meminfo").map(MachineInfo.meminfo) ?? [:]
        if version == .v1, let usage = host.readFile("/sys/fs/cgroup/memory/memory.usage_in_bytes").flatMap({ Int64($0.trimmed) }),
            let stat = host.readFile("/sys/fs/cgroup/memory/memory.stat").map(Self.keyedValues)
        {
            memoryUsageBytes = usage
            memoryWorkingSetBytes = max(0, usage - (stat["total_inactive_file"] ?? 0))
            memoryRSSBytes = stat["total_rss"]
            pageFaults = stat["total_pgfault"]
            majorPageFaults = stat["total_pgmajfault"]
        } else if let total = meminfo["MemTotal"], let free = meminfo["MemFree"] {
            let usage = max(0, total - free)
            memoryUsageBytes = usage
            memoryWorkingSetBytes = max(0, usage - (meminfo["Inactive(file)"] ?? 0))
            if version == .v2, let stat = host.readFile("/sys/fs/cgroup/memory.stat").map(Self.keyedValues) {
                memoryRSSBytes = stat["anon"]
                pageFaults = stat["pgfault"]
                majorPageFaults = stat["pgmajfault"]
            }
        }
        let limits = ["/proc/sys/kernel/pid_max", "/proc/sys/kernel/threads-max"].compactMap { host.readFile($0).flatMap { Int64($0.trimmed) } }
        pidMax = limits.min()
        processes = host.readFile("/proc/loadavg").flatMap(Self.loadavgTasks)
    }

    /// `key value` lines (`memory.stat`, `cpu.stat`) as a map.
    public static func keyedValues(_ text: String) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, let value = Int64(fields[1]) { result[String(fields[0])] = value }
        }
        return result
    }

    /// The busy time of the `cpu` line of `/proc/stat` (user, nice, system, irq, softirq, steal;
    /// not idle or iowait), converted from clock ticks (100 a second) to nanoseconds.
    public static func procStatCPU(_ text: String) -> UInt64? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard ticks.count >= 4 else { return nil }
        let busy = [0, 1, 2, 5, 6, 7].filter { $0 < ticks.count }.reduce(UInt64(0)) { $0 + ticks[$1] }
        return busy * 10_000_000
    }

    /// The task count of `/proc/loadavg` (`0.50 0.40 0.30 2/183 24039` → 183).
    public static func loadavgTasks(_ text: String) -> Int64? {
        let fields = text.split(separator: " ")
        guard fields.count >= 4, let slash = fields[3].firstIndex(of: "/") else { return nil }
        return Int64(fields[3][fields[3].index(after: slash)...])
    }
}
