/// The node-local filters that need no per-cycle state: NodeUnschedulable, NodeName,
/// TaintToleration, NodeAffinity and NodePorts.
public enum NodePlugins {
    /// Reason of the NodeUnschedulable filter.
    public static let unschedulableReason = "node(s) were unschedulable"
    /// Reason of the NodeName filter.
    public static let nodeNameReason = "node(s) didn't match the requested node name"
    /// Reason of the NodeAffinity filter.
    public static let nodeAffinityReason = "node(s) didn't match Pod's node affinity/selector"
    /// Reason of the NodePorts filter.
    public static let nodePortsReason = "node(s) didn't have free ports for the requested pod ports"

    /// NodeUnschedulable: a cordoned node takes only pods tolerating the unschedulable taint.
    public static func unschedulable(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        guard node.unschedulable, !pod.tolerations.tolerate(.unschedulable) else { return nil }
        return FilterFailure(.unresolvable, plugin: "NodeUnschedulable", unschedulableReason)
    }

    /// NodeName: a pod that names a node fits only that node.
    public static func nodeName(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        guard !pod.nodeName.isEmpty, pod.nodeName != node.name else { return nil }
        return FilterFailure(.unresolvable, plugin: "NodeName", nodeNameReason)
    }

    /// TaintToleration: every `NoSchedule`/`NoExecute` taint must be tolerated; the first one
    /// that is not is named in the reason.
    public static func taintToleration(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        for taint in node.taints where taint.effect == .noSchedule || taint.effect == .noExecute {
            if !pod.tolerations.tolerate(taint) {
                return FilterFailure(.unresolvable, plugin: "TaintToleration",
                                     "node(s) had untolerated taint {\(taint.key): \(taint.value)}")
            }
        }
        return nil
    }

    /// NodeAffinity: the node selector and required node affinity must match.
    public static func nodeAffinity(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        if pod.nodeSelector.isEmpty || pod.nodeSelector.matches(labels: node.labels, nodeName: node.name) { return nil }
        return FilterFailure(.unresolvable, plugin: "NodeAffinity", nodeAffinityReason)
    }

    /// NodePorts: none of the pod's host ports may be in use on the node.
    public static func nodePorts(_ pod: PodInfo, _ node: NodeInfo) -> FilterFailure? {
        if pod.hostPorts.isEmpty || node.usedPorts.isEmpty { return nil }
        for wanted in pod.hostPorts {
            for used in node.usedPorts where used.conflicts(with: wanted) {
                return FilterFailure(.unschedulable, plugin: "NodePorts", nodePortsReason)
            }
        }
        return nil
    }

    /// TaintToleration score input: how many `PreferNoSchedule` taints the pod does not tolerate.
    public static func intolerablePreferNoScheduleCount(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        guard node.hasPreferNoScheduleTaint else { return 0 }
        var count: Int64 = 0
        for taint in node.taints where taint.effect == .preferNoSchedule {
            var tolerated = false
            for toleration in pod.tolerations where toleration.effect == nil || toleration.effect == .preferNoSchedule {
                if toleration.tolerates(taint) { tolerated = true; break }
            }
            if !tolerated { count += 1 }
        }
        return count
    }

    /// NodeAffinity score input: the summed weights of matching preferred terms.
    public static func preferredNodeAffinity(_ pod: PodInfo, _ node: NodeInfo) -> Int64 {
        var sum: Int64 = 0
        for (term, weight) in pod.preferredNodeTerms where term.matches(labels: node.labels, nodeName: node.name) {
            sum += weight
        }
        return sum
    }
}
