import KubeAPI

/// Which nodes may serve LoadBalancer Services, before port claims are considered.
///
/// A node is usable when it is Ready, carries no ``ServiceLBLabels/excludeFromExternalLoadBalancers``
/// label, and has no `NoSchedule`/`NoExecute` taint that a K3s ServiceLB pod would not tolerate
/// (it tolerates the control-plane and `CriticalAddonsOnly` taints and, like every DaemonSet pod,
/// the not-ready, unreachable, pressure and unschedulable ones, so a cordoned node still serves).
/// When any node carries ``ServiceLBLabels/enableLB``, only nodes labelled `true` are usable, and a
/// Service labelled with ``ServiceLBLabels/lbPool`` uses only the nodes of that pool.
struct ServiceLBNodeFilter: Sendable {
    /// Usable nodes, sorted by name.
    let usable: [CoreV1.Node]
    /// Whether nodes are selected with ``ServiceLBLabels/enableLB``.
    let selecting: Bool

    /// Taint keys tolerated whatever their effect.
    static let toleratedAnyEffect: Set<String> = ["CriticalAddonsOnly"]
    /// Taint keys tolerated with the `NoSchedule` effect.
    static let toleratedNoSchedule: Set<String> = [
        "node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane",
        "node.kubernetes.io/disk-pressure", "node.kubernetes.io/memory-pressure",
        "node.kubernetes.io/pid-pressure", "node.kubernetes.io/unschedulable",
    ]
    /// Taint keys tolerated with the `NoExecute` effect.
    static let toleratedNoExecute: Set<String> = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]

    /// Sorts `nodes` into the usable ones.
    init(nodes: [CoreV1.Node]) {
        let selecting = nodes.contains { $0.metadata.labels?[ServiceLBLabels.enableLB] != nil }
        self.selecting = selecting
        usable = nodes.filter { node in
            guard node.metadata.deletionTimestamp == nil, Self.isReady(node), Self.toleratesTaints(node) else { return false }
            let labels = node.metadata.labels ?? [:]
            if labels[ServiceLBLabels.excludeFromExternalLoadBalancers] != nil { return false }
            return !selecting || labels[ServiceLBLabels.enableLB] == "true"
        }.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    /// The usable nodes `service` may use: all of them, or its pool's while nodes are selected.
    func nodes(for service: CoreV1.Service) -> [CoreV1.Node] {
        guard selecting, let pool = service.metadata.labels?[ServiceLBLabels.lbPool], !pool.isEmpty else { return usable }
        return usable.filter { $0.metadata.labels?[ServiceLBLabels.lbPool] == pool }
    }

    /// Whether the node's `Ready` condition is `True`.
    static func isReady(_ node: CoreV1.Node) -> Bool {
        node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false
    }

    /// Whether a ServiceLB pod would tolerate every scheduling taint of the node.
    static func toleratesTaints(_ node: CoreV1.Node) -> Bool {
        (node.spec?.taints ?? []).allSatisfy { taint in
            if toleratedAnyEffect.contains(taint.key ?? "") { return true }
            switch taint.effect {
            case "NoSchedule": return toleratedNoSchedule.contains(taint.key ?? "")
            case "NoExecute": return toleratedNoExecute.contains(taint.key ?? "")
            default: return true
            }
        }
    }
}
