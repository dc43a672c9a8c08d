import ContainerImages
import KubeAPI

/// Builds the Node object a kubelet registers and the conditions it reports; pure, so the rules
/// are unit-testable.
public struct NodeStatusBuilder: Sendable {
    /// The kubelet's settings.
    public var configuration: KubeletConfiguration
    /// The runtime's version (`nodeInfo.containerRuntimeVersion`).
    public var runtimeVersion: CRI.Version
    /// The real machine's facts; `nil` for hollow nodes, which report the configured capacity
    /// and identities derived from the node name.
    public var machine: MachineInfo?
    /// The pressure conditions that hold.
    public var pressure: NodePressure
    /// The images on the node (`status.images`); `nil` leaves the field out.
    public var images: [CRI.Image]?

    /// Creates a builder.
    public init(
        configuration: KubeletConfiguration, runtimeVersion: CRI.Version, machine: MachineInfo? = nil, pressure: NodePressure = .none,
        images: [CRI.Image]? = nil
    ) {
        self.configuration = configuration
        self.runtimeVersion = runtimeVersion
        self.machine = machine
        self.pressure = pressure
        self.images = images
    }

    /// Why the node is or is not ready.
    public struct Readiness: Sendable, Hashable {
        /// Whether the node is Ready.
        public var ready: Bool
        /// The condition's message when not ready.
        public var message: String

        /// Ready.
        public static let ready = Readiness(ready: true, message: "")

        /// Creates a readiness.
        public init(ready: Bool, message: String) {
            self.ready = ready
            self.message = message
        }
    }

    /// The readiness the runtime status implies: the runtime must be ready, and its network too
    /// unless pods may start without a pod CIDR. `nil` (the status call failed) means the runtime
    /// is down.
    public func readiness(runtime: CRI.RuntimeStatus?) -> Readiness {
        guard let runtime else { return Readiness(ready: false, message: "container runtime is down") }
        var problems: [String] = []
        for type in ["RuntimeReady", "NetworkReady"] {
            if type == "NetworkReady" && !configuration.waitForPodCIDR { continue }
            if !runtime.holds(type) {
                let condition = runtime.conditions.first { $0.type == type }
                let what = type == "RuntimeReady" ? "container runtime not ready" : "container runtime network not ready"
                problems.append("\(what): \(type)=false reason:\(condition?.reason ?? "") message:\(condition?.message ?? "")")
            }
        }
        return problems.isEmpty ? .ready : Readiness(ready: false, message: problems.joined(separator: ", "))
    }

    /// The labels every node carries, plus the configured ones.
    public var labels: [String: String] {
        var labels = [
            "kubernetes.io/hostname": configuration.hostname,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": configuration.architecture,
            "beta.kubernetes.io/os": "linux",
            "beta.kubernetes.io/arch": configuration.architecture,
            "node.kubernetes.io/instance-type": "k3s",
        ]
        labels.merge(configuration.labels) { _, configured in configured }
        return labels
    }

    /// The Node to create at registration, with its full status.
    public func node(readiness: Readiness, now: Time) -> CoreV1.Node {
        let name = configuration.nodeName
        var spec = CoreV1.NodeSpec(providerID: "k3s://\(name)")
        if let cidr = configuration.podCIDR {
            spec.podCIDR = cidr
            spec.podCIDRs = cidr.split(separator: ",").map(String.init)
        }
        if !configuration.taints.isEmpty { spec.taints = configuration.taints }
        return CoreV1.Node(
            metadata: MetaV1.ObjectMeta(
                annotations: [
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                    "k3s.io/hostname": configuration.hostname,
                    "k3s.io/internal-ip": configuration.nodeIP,
                ],
                labels: labels, name: name),
            spec: spec,
            status: status(readiness: readiness, old: nil, now: now))
    }

    /// The node's status: capacity, addresses, endpoints, system info, conditions and images.
    public func status(readiness: Readiness, old: [CoreV1.NodeCondition]?, now: Time) -> CoreV1.NodeStatus {
        let (capacity, allocatable) = resources
        var addresses = [CoreV1.NodeAddress(address: configuration.nodeIP, type: "InternalIP")]
        addresses += configuration.nodeResources.externalIPs.map { CoreV1.NodeAddress(address: $0, type: "ExternalIP") }
        addresses.append(CoreV1.NodeAddress(address: configuration.hostname, type: "Hostname"))
        return CoreV1.NodeStatus(
            addresses: addresses,
            allocatable: allocatable,
            capacity: capacity,
            conditions: conditions(readiness: readiness, old: old, now: now),
            daemonEndpoints: CoreV1.NodeDaemonEndpoints(kubeletEndpoint: CoreV1.DaemonEndpoint(Port: configuration.kubeletPort)),
            images: images.map { Self.nodeImages($0, limit: configuration.nodeResources.maxImagesInNodeStatus) },
            nodeInfo: nodeInfo)
    }

    /// `status.capacity` and `status.allocatable`: the machine's, less the reservations and the
    /// hard eviction thresholds, or the configured ones of a hollow node.
    public var resources: (capacity: [String: Quantity], allocatable: [String: Quantity]) {
        guard let machine else { return (configuration.capacity, configuration.allocatable ?? configuration.capacity) }
        let settings = configuration.nodeResources
        let capacity = NodeResources.capacity(of: machine, maxPods: settings.maxPods)
        let thresholds = (try? EvictionThreshold.parse(settings.evictionHard)) ?? []
        let allocatable = NodeResources.allocatable(
            capacity: capacity, kubeReserved: settings.kubeReserved, systemReserved: settings.systemReserved, evictionHard: thresholds)
        return (capacity, allocatable)
    }

    /// `status.images` as upstream lists them: largest first, at most `limit`, each named by its
    /// digests then its tags (at most 5 names).
    public static func nodeImages(_ images: [CRI.Image], limit: Int) -> [CoreV1.ContainerImage] {
        images.sorted { ($0.size, $1.id) > ($1.size, $0.id) }.prefix(max(0, limit)).map { image in
            CoreV1.ContainerImage(names: Array((image.repoDigests + image.repoTags).prefix(5)), sizeBytes: Int(image.size))
        }
    }

    /// `status.nodeInfo`.
    public var nodeInfo: CoreV1.NodeSystemInfo {
        if let machine {
            return CoreV1.NodeSystemInfo(
                architecture: machine.architecture, bootID: machine.bootID, containerRuntimeVersion: runtimeVersion.nodeInfoVersion,
                kernelVersion: machine.kernelVersion, kubeProxyVersion: configuration.kubeletVersion,
                kubeletVersion: configuration.kubeletVersion, machineID: machine.machineID, operatingSystem: machine.operatingSystem,
                osImage: machine.osImage, systemUUID: machine.systemUUID)
        }
        let machine = ImageReference.hexDigest(of: "machine:" + configuration.nodeName)
        let boot = ImageReference.hexDigest(of: "boot:" + configuration.nodeName)
        return CoreV1.NodeSystemInfo(
            architecture: configuration.architecture, bootID: MachineInfo.uuidForm(String(boot.prefix(32))),
            containerRuntimeVersion: runtimeVersion.nodeInfoVersion,
            kernelVersion: configuration.kernelVersion, kubeletVersion: configuration.kubeletVersion,
            machineID: String(machine.prefix(32)), operatingSystem: "linux", osImage: configuration.osImage,
            systemUUID: MachineInfo.uuidForm(String(machine.prefix(32))))
    }

    /// The four kubelet-owned conditions, heartbeat `now`; a transition time is kept from `old`
    /// while the status stays the same.
    public func conditions(readiness: Readiness, old: [CoreV1.NodeCondition]?, now: Time) -> [CoreV1.NodeCondition] {
        func condition(_ type: String, _ status: Bool, _ reason: String, _ message: String) -> CoreV1.NodeCondition {
            let value = status ? "True" : "False"
            let previous = old?.first { $0.type == type }
            let transition = previous?.status == value ? (previous?.lastTransitionTime ?? now) : now
            return CoreV1.NodeCondition(
                lastHeartbeatTime: now, lastTransitionTime: transition, message: message, reason: reason, status: value, type: type)
        }
        return [
            pressure.has(.memory)
                ? condition("MemoryPressure", true, "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
                : condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            pressure.has(.disk)
                ? condition("DiskPressure", true, "KubeletHasDiskPressure", "kubelet has disk pressure")
                : condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            pressure.has(.pid)
                ? condition("PIDPressure", true, "KubeletHasInsufficientPID", "kubelet has insufficient PID available")
                : condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            readiness.ready
                ? condition("Ready", true, "KubeletReady", "kubelet is posting ready status")
                : condition("Ready", false, "KubeletNotReady", readiness.message),
        ]
    }

    /// Whether reported conditions differ from freshly computed ones in anything but heartbeat time.
    public static func conditionsChanged(_ old: [CoreV1.NodeCondition]?, _ new: [CoreV1.NodeCondition]) -> Bool {
        func strip(_ list: [CoreV1.NodeCondition]) -> [CoreV1.NodeCondition] {
            list.map { var c = $0; c.lastHeartbeatTime = nil; c.lastTransitionTime = nil; return c }
                .sorted { ($0.type ?? "") < ($1.type ?? "") }
        }
        let owned = Set(new.compactMap(\.type))
        return strip((old ?? []).filter { owned.contains($0.type ?? "") }) != strip(new)
    }
}
