import KubeAPI

/// Where a DaemonSet's pods belong, free of I/O: node eligibility (node selector, required
/// node affinity, taints), the tolerations every daemon pod gets, and the per-node pod.
public enum DaemonPlacement {
    /// The revision label on daemon pods and ControllerRevisions.
    public static let revisionHashLabel = "controller-revision-hash"

    /// The tolerations upstream adds to every daemon pod (plus network-unavailable for
    /// host-network pods), so daemons run on nodes that are not ready, unreachable, under
    /// pressure or cordoned.
    public static func daemonTolerations(hostNetwork: Bool) -> [CoreV1.Toleration] {
        var result = [
            CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/not-ready", operator: "Exists"),
            CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/disk-pressure", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/memory-pressure", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/pid-pressure", operator: "Exists"),
            CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable", operator: "Exists"),
        ]
        if hostNetwork {
            result.append(CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/network-unavailable", operator: "Exists"))
        }
        return result
    }

    /// `tolerations` plus the daemon tolerations not already present (same key and effect).
    public static func withDaemonTolerations(_ tolerations: [CoreV1.Toleration]?, hostNetwork: Bool) -> [CoreV1.Toleration] {
        var result = tolerations ?? []
        for toleration in daemonTolerations(hostNetwork: hostNetwork)
        where !result.contains(where: { $0.key == toleration.key && $0.effect == toleration.effect && $0.operator == "Exists" }) {
            result.append(toleration)
        }
        return result
    }

    /// Whether `toleration` tolerates `taint`.
    public static func tolerates(_ toleration: CoreV1.Toleration, _ taint: CoreV1.Taint) -> Bool {
        if let effect = toleration.effect, !effect.isEmpty, effect != taint.effect { return false }
        let key = toleration.key ?? ""
        if toleration.operator == "Exists" {
            return key.isEmpty || key == taint.key
        }
        return key == taint.key && (toleration.value ?? "") == (taint.value ?? "")
    }

    /// Whether one requirement of a node selector term holds for `values` (labels or fields).
    static func requirementHolds(_ requirement: CoreV1.NodeSelectorRequirement, _ values: [String: String]) -> Bool {
        let value = values[requirement.key ?? ""]
        let wanted = requirement.values ?? []
        switch requirement.operator {
        case "In": return value.map(wanted.contains) ?? false
        case "NotIn": return value.map { !wanted.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard let value, let actual = Int64(value), let bound = wanted.first.flatMap({ Int64($0) }) else { return false }
            return requirement.operator == "Gt" ? actual > bound : actual < bound
        default: return false
        }
    }

    /// Whether the pod's required node affinity admits `node` (true without one).
    public static func affinityMatches(_ affinity: CoreV1.Affinity?, node: CoreV1.Node) -> Bool {
        guard let required = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution else { return true }
        return selectorAdmits(required, labels: node.metadata.labels ?? [:], nodeName: node.metadata.name ?? "")
    }

    /// Whether a node selector (terms ORed, each term's requirements ANDed; an empty term
    /// matches nothing) admits a node with `labels` named `nodeName`.
    static func selectorAdmits(_ selector: CoreV1.NodeSelector, labels: [String: String], nodeName: String) -> Bool {
        let fields = ["metadata.name": nodeName]
        return (selector.nodeSelectorTerms ?? []).contains { term in
            let expressions = term.matchExpressions ?? [], matchFields = term.matchFields ?? []
            if expressions.isEmpty && matchFields.isEmpty { return false }
            return expressions.allSatisfy { requirementHolds($0, labels) } && matchFields.allSatisfy { requirementHolds($0, fields) }
        }
    }

    /// Whether a daemon pod from `template` should be placed on `node` (`shouldRun`) and
    /// whether an existing one may stay (`shouldContinue`: only untolerated NoExecute
    /// taints and selector mismatches evict).
    public static func evaluate(_ template: CoreV1.PodTemplateSpec?, node: CoreV1.Node) -> (shouldRun: Bool, shouldContinue: Bool) {
        let spec = template?.spec
        let labels = node.metadata.labels ?? [:]
        let selectorOK = (spec?.nodeSelector ?? [:]).allSatisfy { labels[$0.key] == $0.value }
        guard selectorOK, affinityMatches(spec?.affinity, node: node) else { return (false, false) }
        let tolerations = withDaemonTolerations(spec?.tolerations, hostNetwork: spec?.hostNetwork == true)
        var run = true, stay = true
        for taint in node.spec?.taints ?? [] where taint.effect == "NoSchedule" || taint.effect == "NoExecute" {
            if tolerations.contains(where: { tolerates($0, taint) }) { continue }
            run = false
            if taint.effect == "NoExecute" { stay = false }
        }
        return (run, stay)
    }

    /// The node a daemon pod is bound or pinned to: `spec.nodeName`, or the single
    /// `metadata.name` its required node affinity names.
    public static func targetNode(of pod: CoreV1.Pod) -> String? {
        if let name = pod.spec?.nodeName, !name.isEmpty { return name }
        for term in pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [] {
            for field in term.matchFields ?? [] where field.key == "metadata.name" && field.operator == "In" && field.values?.count == 1 {
                return field.values?.first
            }
        }
        return nil
    }

    /// The template pinned to `node`: its required node affinity becomes a single term
    /// matching the node's name (the scheduler binds it), with daemon tolerations added.
    public static func template(_ template: CoreV1.PodTemplateSpec, pinnedTo node: String, revisionHash: String) -> CoreV1.PodTemplateSpec {
        var result = template
        var spec = result.spec ?? CoreV1.PodSpec()
        var affinity = spec.affinity ?? CoreV1.Affinity()
        var nodeAffinity = affinity.nodeAffinity ?? CoreV1.NodeAffinity()
        nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = CoreV1.NodeSelector(nodeSelectorTerms: [
            CoreV1.NodeSelectorTerm(matchFields: [CoreV1.NodeSelectorRequirement(key: "metadata.name", operator: "In", values: [node])]),
        ])
        affinity.nodeAffinity = nodeAffinity
        spec.affinity = affinity
        spec.tolerations = withDaemonTolerations(spec.tolerations, hostNetwork: spec.hostNetwork == true)
        result.spec = spec
        var meta = result.metadata ?? MetaV1.ObjectMeta()
        meta.labels = (meta.labels ?? [:]).merging([revisionHashLabel: revisionHash]) { _, new in new }
        result.metadata = meta
        return result
    }

    /// `maxUnavailable` of a rolling update resolved against the desired pod count (rounded
    /// up; at least 1 when the value is a positive percentage of a non-empty set, default 1).
    public static func maxUnavailable(_ value: IntOrString?, desired: Int) -> Int {
        let resolved = (try? (value ?? 1).scaledValue(total: desired, roundUp: true)) ?? 1
        return max(0, resolved)
    }
}
