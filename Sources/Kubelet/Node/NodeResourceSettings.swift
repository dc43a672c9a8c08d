import KubeAPI

/// The settings of a real node's resource reporting, pressure eviction and garbage collection
/// (`KubeletConfiguration.nodeResources`). With no ``host`` (hollow nodes) the node reports the
/// configured capacity and no pressure, and runs no eviction or garbage collection.
public struct NodeResourceSettings: Sendable {
    /// The machine to read; `nil` for hollow nodes.
    public var host: (any HostSystem)?
    /// `ExternalIP` addresses (`--node-external-ip`).
    public var externalIPs: [String]
    /// Resources set aside for Kubernetes daemons (`--kube-reserved`, `cpu=100m,memory=100Mi`).
    public var kubeReserved: [String: Quantity]
    /// Resources set aside for the operating system (`--system-reserved`).
    public var systemReserved: [String: Quantity]
    /// Hard eviction thresholds by signal (`memory.available: 100Mi`); upstream's defaults.
    public var evictionHard: [String: String]
    /// How long a pressure condition stays after its threshold is no longer met (upstream: 5 min).
    public var evictionPressureTransitionPeriod: Duration
    /// How often pressure is checked and eviction acts (upstream: 10 s).
    public var housekeepingInterval: Duration
    /// How often every pod is synced even when nothing announced a change (`--sync-frequency`,
    /// upstream: 1 min); each such round is timed (``PodSyncRounds``).
    public var syncFrequency: Duration = .seconds(60)
    /// `pods` capacity of a real node (upstream: 110).
    public var maxPods: Int
    /// The kubelet's root directory; its filesystem is `nodefs` and `ephemeral-storage`.
    public var rootDirectory: String
    /// A directory on the runtime's image filesystem (containerd's root); `nil` when it shares
    /// the root directory's filesystem.
    public var imageFilesystemPath: String?
    /// How many images `status.images` lists, largest first (upstream: 50).
    public var maxImagesInNodeStatus: Int
    /// Container garbage collection.
    public var containerGC: ContainerGCPolicy
    /// Image garbage collection.
    public var imageGC: ImageGCPolicy
    /// Images never removed (the sandbox image); references are normalized
    /// (`rancher/mirrored-pause:3.6` is `docker.io/rancher/mirrored-pause:3.6`).
    public var pinnedImages: Set<String>

    /// Creates settings with upstream's defaults.
    public init(
        host: (any HostSystem)? = nil, externalIPs: [String] = [], kubeReserved: [String: Quantity] = [:],
        systemReserved: [String: Quantity] = [:], evictionHard: [String: String] = EvictionThreshold.defaultHard,
        evictionPressureTransitionPeriod: Duration = .seconds(300), housekeepingInterval: Duration = .seconds(10),
        maxPods: Int = 110, rootDirectory: String = "/var/lib/kubelet", imageFilesystemPath: String? = nil,
        maxImagesInNodeStatus: Int = 50, containerGC: ContainerGCPolicy = ContainerGCPolicy(),
        imageGC: ImageGCPolicy = ImageGCPolicy(), pinnedImages: Set<String> = []
    ) {
        self.host = host
        self.externalIPs = externalIPs
        self.kubeReserved = kubeReserved
        self.systemReserved = systemReserved
        self.evictionHard = evictionHard
        self.evictionPressureTransitionPeriod = evictionPressureTransitionPeriod
        self.housekeepingInterval = housekeepingInterval
        self.maxPods = maxPods
        self.rootDirectory = rootDirectory
        self.imageFilesystemPath = imageFilesystemPath
        self.maxImagesInNodeStatus = maxImagesInNodeStatus
        self.containerGC = containerGC
        self.imageGC = imageGC
        self.pinnedImages = pinnedImages
    }

    /// Parses a resource list flag (`cpu=100m,memory=100Mi`); throws `QuantityError` for a bad
    /// quantity and ``NodeSettingError`` for an entry without `=`.
    public static func parseResourceList(_ text: String) throws -> [String: Quantity] {
        var result: [String: Quantity] = [:]
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw NodeSettingError("resource list entry \"\(entry)\" must have the form NAME=QUANTITY") }
            result[String(parts[0]).trimmed] = try Quantity(parsing: String(parts[1]).trimmed)
        }
        return result
    }
}
