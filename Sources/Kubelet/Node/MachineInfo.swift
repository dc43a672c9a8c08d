import KubeAPI

/// What a real node reports about its machine: CPUs, memory, huge pages, the kubelet root
/// directory's filesystem and the identity fields of `nodeInfo`. Read once at start with
/// ``init(reading:rootDirectory:)``; hollow nodes have none.
public struct MachineInfo: Sendable, Hashable {
    /// CPUs this node may use: the kubelet's affinity (`Cpus_allowed_list`), else the online
    /// CPUs, else the processors of `/proc/cpuinfo`.
    public var cpuCount: Int
    /// `MemTotal` in bytes.
    public var memoryBytes: Int64
    /// Pre-allocated huge pages by resource name (`hugepages-2Mi`) in bytes.
    public var hugepages: [String: Int64]
    /// Size of the filesystem holding the kubelet's root directory (`ephemeral-storage`).
    public var rootFilesystem: FilesystemUsage?
    /// `/proc/sys/kernel/random/boot_id`.
    public var bootID: String
    /// `/etc/machine-id`.
    public var machineID: String
    /// The DMI product UUID, or the machine ID in UUID form when the firmware has none.
    public var systemUUID: String
    /// `uname -r`.
    public var kernelVersion: String
    /// `PRETTY_NAME` of `/etc/os-release`.
    public var osImage: String
    /// The Go-style architecture (`amd64`, `arm64`).
    public var architecture: String
    /// Always `linux`.
    public var operatingSystem: String

    /// Creates facts (tests; the agent reads them with ``init(reading:rootDirectory:)``).
    public init(
        cpuCount: Int, memoryBytes: Int64, hugepages: [String: Int64] = [:], rootFilesystem: FilesystemUsage? = nil,
        bootID: String = "", machineID: String = "", systemUUID: String = "", kernelVersion: String = "", osImage: String = "",
        architecture: String = "amd64", operatingSystem: String = "linux"
    ) {
        self.cpuCount = cpuCount
        self.memoryBytes = memoryBytes
        self.hugepages = hugepages
        self.rootFilesystem = rootFilesystem
        self.bootID = bootID
        self.machineID = machineID
        self.systemUUID = systemUUID
        self.kernelVersion = kernelVersion
        self.osImage = osImage
        self.architecture = architecture
        self.operatingSystem = operatingSystem
    }

    /// Reads the machine through `host`; `rootDirectory` is the kubelet's root (its filesystem is
    /// the node's ephemeral storage). Facts that cannot be read are zero or empty.
    public init(reading host: any HostSystem, rootDirectory: String) {
        let kernel = host.kernel()
        let allowed = host.readFile("/proc/self/status").flatMap { Self.statusValue($0, key: "Cpus_allowed_list") }
        let cpus = [allowed, host.readFile("/sys/devices/system/cpu/online")].lazy.compactMap { $0.map(Self.cpuListCount) }.first { $0 > 0 }
            ?? host.readFile("/proc/cpuinfo").map(Self.cpuinfoProcessorCount) ?? 0
        let machineID = (host.readFile("/etc/machine-id") ?? host.readFile("/var/lib/dbus/machine-id") ?? "").trimmed
        let dmi = (host.readFile("/sys/class/dmi/id/product_uuid") ?? "").trimmed
        let osRelease = host.readFile("/etc/os-release") ?? host.readFile("/usr/lib/os-release") ?? ""
        self.init(
            cpuCount: cpus,
            memoryBytes: host.readFile("/proc/meminfo").flatMap { Self.meminfo($0)["MemTotal"] } ?? 0,
            hugepages: Self.hugepages(host),
            rootFilesystem: host.filesystemUsage(rootDirectory),
            bootID: (host.readFile("/proc/sys/kernel/random/boot_id") ?? "").trimmed,
            machineID: machineID,
            systemUUID: dmi.isEmpty ? Self.uuidForm(machineID) : dmi,
            kernelVersion: kernel.release,
            osImage: Self.osReleaseValue(osRelease, key: "PRETTY_NAME") ?? "Linux",
            architecture: Self.goArchitecture(kernel.machine))
    }

    /// Reads `/sys/kernel/mm/hugepages/hugepages-<size>kB/nr_hugepages` for every size into
    /// `hugepages-2Mi`-style names and byte totals.
    static func hugepages(_ host: any HostSystem) -> [String: Int64] {
        let base = "/sys/kernel/mm/hugepages"
        var result: [String: Int64] = [:]
        for entry in host.listDirectory(base) ?? [] where entry.hasPrefix("hugepages-") && entry.hasSuffix("kB") {
            guard let kib = Int64(entry.dropFirst("hugepages-".count).dropLast(2)) else { continue }
            let pages = host.readFile("\(base)/\(entry)/nr_hugepages").flatMap { Int64($0.trimmed) } ?? 0
            result["hugepages-" + Quantity(kib * 1024, format: .binarySI).description] = pages * kib * 1024
        }
        return result
    }
}

extension String {
    /// Without leading and trailing white space.
    var trimmed: String {
        let characters = Substring(self)
        let start = characters.firstIndex { !$0.isWhitespace } ?? characters.endIndex
        let end = characters.lastIndex { !$0.isWhitespace }.map { characters.index(after: $0) } ?? start
        return String(characters[start..<max(start, end)])
    }
}
