import KubeAPI

/// The scheduler's view of the cluster: every node with the pods bound (or assumed) to it,
/// updated incrementally from watch events and from the scheduler's own decisions.
///
/// A reference type owned by one scheduling loop; not thread-safe.
public final class ClusterSnapshot {
    private var infos: [String: NodeInfo] = [:]
    private var podNodes: [String: String] = [:]
    private var cachedNodes: [NodeInfo]?
    /// Pods waiting for a node they were nominated to by preemption, by node name.
    public private(set) var nominated: [String: [PodInfo]] = [:]
    private var nominatedNodeOf: [String: String] = [:]
    /// Claims, volumes and storage classes, for volume binding.
    public var volumes = VolumeCatalog()
    /// Labels of namespaces, for affinity terms with namespace selectors.
    public var namespaceLabels: [String: [String: String]] = [:]
    /// How many nodes have a `PreferNoSchedule` taint.
    public private(set) var nodesWithPreferNoSchedule = 0
    /// How many pods with pod (anti-)affinity terms are on nodes.
    public private(set) var podsWithAffinityCount = 0
    /// For each controller UID, how many of its (non-terminating) pods each node holds.
    public private(set) var controllerPods: [String: [ObjectIdentifier: (node: NodeInfo, count: Int)]] = [:]
    private var topologyCache: [String: TopologyDomains] = [:]

    /// Creates an empty snapshot.
    public init() {}

    /// Creates a snapshot with nodes and pods (pods are placed by `spec.nodeName`).
    public convenience init(nodes: [CoreV1.Node], pods: [CoreV1.Pod] = []) {
        self.init()
        for node in nodes { upsertNode(node) }
        for pod in pods { upsertPod(PodInfo(pod)) }
    }

    /// The nodes that have a node object, in a stable order (by name).
    public var nodes: [NodeInfo] {
        if let cachedNodes { return cachedNodes }
        let list = infos.values.filter { $0.node != nil }.sorted { $0.name < $1.name }
        for (index, info) in list.enumerated() { info.index = index }
        cachedNodes = list
        topologyCache.removeAll()
        return list
    }

    /// The entry of a node by name (only when the node object is known).
    public func node(named name: String) -> NodeInfo? {
        guard let info = infos[name], info.node != nil else { return nil }
        return info
    }

    /// The node a pod (by `namespace/name`) is on, if it is in the snapshot.
    public func nodeName(ofPod key: String) -> String? { podNodes[key] }

    /// Adds or replaces a node.
    public func upsertNode(_ node: CoreV1.Node) {
        let name = node.metadata.name ?? ""
        let info = infos[name] ?? NodeInfo(name: name)
        if info.node == nil {
            cachedNodes = nil
        } else if info.labels != (node.metadata.labels ?? [:]) {
            topologyCache.removeAll()
        }
        if info.hasPreferNoScheduleTaint && info.node != nil { nodesWithPreferNoSchedule -= 1 }
        info.setNode(node)
        if info.hasPreferNoScheduleTaint { nodesWithPreferNoSchedule += 1 }
        infos[name] = info
    }

    /// Removes a node; its pods stay accounted until they are removed.
    public func removeNode(named name: String) {
        guard let info = infos[name], info.node != nil else { return }
        if info.hasPreferNoScheduleTaint { nodesWithPreferNoSchedule -= 1 }
        info.setNode(nil)
        if info.pods.isEmpty { infos[name] = nil }
        cachedNodes = nil
    }

    /// Adds or replaces a pod that has `spec.nodeName`; a pod without one, or a finished pod,
    /// is removed instead.
    public func upsertPod(_ pod: PodInfo) {
        removePod(key: pod.key)
        guard let nodeName = pod.pod.spec?.nodeName, !nodeName.isEmpty else { return }
        if pod.pod.isTerminal { return }
        place(pod, on: nodeName)
    }

    /// Accounts a pod on a node before its binding is confirmed.
    public func assume(_ pod: PodInfo, on nodeName: String) {
        removePod(key: pod.key)
        removeNomination(key: pod.key)
        place(pod, on: nodeName)
    }

    private func place(_ pod: PodInfo, on nodeName: String) {
        let info: NodeInfo
        if let existing = infos[nodeName] {
            info = existing
        } else {
            info = NodeInfo(name: nodeName)
            infos[nodeName] = info
        }
        info.addPod(pod)
        podNodes[pod.key] = nodeName
        if pod.hasAffinity { podsWithAffinityCount += 1 }
        if let uid = pod.controllerUID, !pod.isTerminating {
            controllerPods[uid, default: [:]][ObjectIdentifier(info), default: (info, 0)].count += 1
        }
    }

    /// Removes a pod by `namespace/name`; returns it when it was on a node.
    @discardableResult
    public func removePod(key: String) -> PodInfo? {
        guard let nodeName = podNodes.removeValue(forKey: key), let info = infos[nodeName] else { return nil }
        let removed = info.removePod(key: key)
        if let removed, removed.hasAffinity { podsWithAffinityCount -= 1 }
        if let removed, let uid = removed.controllerUID, !removed.isTerminating, var perNode = controllerPods[uid] {
            let id = ObjectIdentifier(info)
            if let entry = perNode[id], entry.count > 1 {
                perNode[id] = (entry.node, entry.count - 1)
            } else {
                perNode[id] = nil
            }
            controllerPods[uid] = perNode.isEmpty ? nil : perNode
        }
        if info.node == nil && info.pods.isEmpty { infos[nodeName] = nil }
        return removed
    }

    /// Records that a pending pod waits for a node (or clears it with `nil`).
    public func setNomination(_ pod: PodInfo, nodeName: String?) {
        removeNomination(key: pod.key)
        guard let nodeName, !nodeName.isEmpty else { return }
        nominated[nodeName, default: []].append(pod)
        nominatedNodeOf[pod.key] = nodeName
    }

    /// Clears the nomination of a pod.
    public func removeNomination(key: String) {
        guard let nodeName = nominatedNodeOf.removeValue(forKey: key) else { return }
        nominated[nodeName]?.removeAll { $0.key == key }
        if nominated[nodeName]?.isEmpty == true { nominated[nodeName] = nil }
    }

    /// The domains of a topology key over ``nodes``: each node's domain number (by
    /// ``NodeInfo/index``; -1 without the label) and the domain values. Cached until nodes or
    /// their labels change.
    public func domains(for key: String) -> TopologyDomains {
        let list = nodes
        if let cached = topologyCache[key] { return cached }
        var ids: [String: Int32] = [:]
        var values: [String] = []
        var domainOf = [Int32](repeating: -1, count: list.count)
        for (index, node) in list.enumerated() {
            guard let value = node.labels[key] else { continue }
            if let id = ids[value] {
                domainOf[index] = id
            } else {
                let id = Int32(values.count)
                ids[value] = id
                values.append(value)
                domainOf[index] = id
            }
        }
        let domains = TopologyDomains(domainOf: domainOf, values: values)
        topologyCache[key] = domains
        return domains
    }

    /// The namespace labels lookup used by affinity terms.
    func labelsOfNamespace(_ name: String) -> [String: String]? { namespaceLabels[name] }
}

/// The domains of one topology key: a domain number per node position and the domain values.
public struct TopologyDomains: Sendable {
    /// Domain number of each node in ``ClusterSnapshot/nodes`` order; -1 when the node lacks the key.
    public var domainOf: [Int32]
    /// Domain values by number.
    public var values: [String]
}
