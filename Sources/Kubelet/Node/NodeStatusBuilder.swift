import KubeAPI

/// Builds the Node object a kubelet registers and the conditions it reports; pure, so the rules
/// are unit-testable.
public struct NodeStatusBuilder: Sendable {
    /// The kubelet's settings.
    public var configuration: KubeletConfiguration
    /// The runtime's version (`nodeInfo.containerRuntimeVersion`).
    public var runtimeVersion: CRI.Version

    /// Creates a builder.
    public init(configuration: KubeletConfiguration, runtimeVersion: CRI.Version) {
        self.configuration = configuration
        self.runtimeVersion = runtimeVersion
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
    /// unless pods may start without a pod CIDR.
    public func readiness(runtime: CRI.RuntimeStatus) -> Readiness {
        var problems: [String] = []
        for type in ["RuntimeReady", "NetworkReady"] {
            if type == "NetworkReady" && !configuration.waitForPodCIDR { continue }
            if !runtime.holds(type) {
                let condition = runtime.conditions.first { $0.type == type }
                let what = type == "RuntimeReady" ? "container runtime status check may not have completed yet" : "container runtime network not ready"
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

    /// The node's status: capacity, addresses, endpoints, system info and conditions.
    public func status(readiness: Readiness, old: [CoreV1.NodeCondition]?, now: Time) -> CoreV1.NodeStatus {
        CoreV1.NodeStatus(
            addresses: [
                CoreV1.NodeAddress(address: configuration.nodeIP, type: "InternalIP"),
                CoreV1.NodeAddress(address: configuration.hostname, type: "Hostname"),
            ],
            allocatable: configuration.allocatable ?? configuration.capacity,
            capacity: configuration.capacity,
            conditions: conditions(readiness: readiness, old: old, now: now),
            daemonEndpoints: CoreV1.NodeDaemonEndpoints(kubeletEndpoint: CoreV1.DaemonEndpoint(Port: configuration.kubeletPort)),
            nodeInfo: nodeInfo)
    }

    /// `status.nodeInfo`.
    public var nodeInfo: CoreV1.NodeSystemInfo {
        let machine = ImageReference.hexDigest(of: "machine:" + configuration.nodeName)
        let boot = ImageReference.hexDigest(of: "boot:" + configuration.nodeName)
        func uuid(_ hex: String) -> String {
            let characters = Array(hex.prefix(32))
            let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
            return groups.joined(separator: "-")
        }
        return CoreV1.NodeSystemInfo(
            architecture: configuration.architecture, bootID: uuid(boot), containerRuntimeVersion: runtimeVersion.nodeInfoVersion,
            kernelVersion: configuration.kernelVersion, kubeletVersion: configuration.kubeletVersion,
            machineID: String(machine.prefix(32)), operatingSystem: "linux", osImage: configuration.osImage,
            systemUUID: uuid(machine))
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
            condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
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
