import KubeAPI

/// One node as the scheduler sees it: the node object with its compiled taints and allocatable
/// resources, the pods on it and their aggregated requests and host ports.
///
/// A reference type mutated in place by ``ClusterSnapshot``; not thread-safe.
public final class NodeInfo {
    /// The node; `nil` while only pods referring to the node are known.
    public private(set) var node: CoreV1.Node?
    /// The node name.
    public let name: String
    /// The node's labels.
    public private(set) var labels: [String: String] = [:]
    /// Allocatable resources (`status.allocatable`, with `status.capacity` as fallback).
    public private(set) var allocatable = ResourceAmounts()
    /// Compiled taints.
    public private(set) var taints: [NodeTaint] = []
    /// Whether the node is cordoned (`spec.unschedulable`).
    public private(set) var unschedulable = false
    /// Pods on the node, including assumed ones.
    public private(set) var pods: [PodInfo] = []
    /// Sum of the pods' requests (`pods` is the pod count).
    public private(set) var requested = ResourceAmounts()
    /// Sum of the pods' CPU requests with scoring defaults.
    public private(set) var nonZeroMilliCPU: Int64 = 0
    /// Sum of the pods' memory requests with scoring defaults.
    public private(set) var nonZeroMemory: Int64 = 0
    /// Host ports in use.
    public private(set) var usedPorts: [HostPort] = []
    /// Pods on the node that have any pod (anti-)affinity term.
    public private(set) var podsWithAffinity: [PodInfo] = []
    /// Pods on the node that have a required anti-affinity term.
    public private(set) var podsWithRequiredAntiAffinity: [PodInfo] = []
    /// Whether any taint has the `PreferNoSchedule` effect.
    public private(set) var hasPreferNoScheduleTaint = false
    /// Position in ``ClusterSnapshot/nodes`` (valid while the node list is unchanged).
    public internal(set) var index: Int = -1
    /// Bumped on every change.
    public private(set) var generation: UInt64 = 0

    /// Creates an empty entry for a node name.
    public init(name: String) {
        self.name = name
    }

    /// Creates an entry for a node with the given pods on it.
    public convenience init(node: CoreV1.Node, pods: [PodInfo] = []) {
        self.init(name: node.metadata.name ?? "")
        setNode(node)
        for pod in pods { addPod(pod) }
    }

    /// Replaces the node object (or clears it with `nil`).
    public func setNode(_ node: CoreV1.Node?) {
        self.node = node
        labels = node?.metadata.labels ?? [:]
        let status = node?.status
        allocatable = ResourceAmounts(status?.allocatable ?? status?.capacity)
        taints = (node?.spec?.taints ?? []).map(NodeTaint.init)
        hasPreferNoScheduleTaint = taints.contains { $0.effect == .preferNoSchedule }
        unschedulable = node?.spec?.unschedulable ?? false
        generation &+= 1
    }

    /// Adds a pod and its requests and ports.
    public func addPod(_ pod: PodInfo) {
        pods.append(pod)
        requested.add(pod.requests.requested)
        nonZeroMilliCPU &+= pod.requests.nonZeroMilliCPU
        nonZeroMemory &+= pod.requests.nonZeroMemory
        usedPorts.append(contentsOf: pod.hostPorts)
        if pod.hasAffinity { podsWithAffinity.append(pod) }
        if !pod.requiredAntiAffinity.isEmpty { podsWithRequiredAntiAffinity.append(pod) }
        generation &+= 1
    }

    /// Removes the pod with the key; returns it, or `nil` when it is not on the node.
    @discardableResult
    public func removePod(key: String) -> PodInfo? {
        guard let index = pods.firstIndex(where: { $0.key == key }) else { return nil }
        let pod = pods.remove(at: index)
        requested.subtract(pod.requests.requested)
        nonZeroMilliCPU &-= pod.requests.nonZeroMilliCPU
        nonZeroMemory &-= pod.requests.nonZeroMemory
        for port in pod.hostPorts {
            if let i = usedPorts.firstIndex(of: port) { usedPorts.remove(at: i) }
        }
        if pod.hasAffinity { podsWithAffinity.removeAll { $0 === pod } }
        if !pod.requiredAntiAffinity.isEmpty { podsWithRequiredAntiAffinity.removeAll { $0 === pod } }
        generation &+= 1
        return pod
    }
}
