#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// Pure node-health rules of the node lifecycle controller: when a node counts as silent,
/// what its conditions become then, and which taints its conditions call for.
public enum NodeHealth {
    /// The condition types set to `Unknown` when the kubelet goes silent.
    public static let monitoredConditions = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"]
    /// `node.kubernetes.io/unreachable`.
    public static let unreachableTaint = "node.kubernetes.io/unreachable"
    /// `node.kubernetes.io/not-ready`.
    public static let notReadyTaint = "node.kubernetes.io/not-ready"
    /// Condition-driven `NoSchedule` taints (condition type, status that taints, taint key).
    static let pressureTaints: [(String, String, String)] = [
        ("MemoryPressure", "True", "node.kubernetes.io/memory-pressure"),
        ("DiskPressure", "True", "node.kubernetes.io/disk-pressure"),
        ("PIDPressure", "True", "node.kubernetes.io/pid-pressure"),
        ("NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"),
    ]
    /// Every taint key this controller manages.
    public static let managedTaintKeys: Set<String> = Set([unreachableTaint, notReadyTaint, "node.kubernetes.io/unschedulable"] + pressureTaints.map(\.2))

    /// The conditions of a node whose kubelet has not been heard from since `lastHeard`:
    /// `nil` when it is still within `gracePeriod` (or already marked), else every monitored
    /// condition set to `Unknown` (reason `NodeStatusUnknown`, or `NodeStatusNeverUpdated`
    /// for conditions the kubelet never posted).
    public static func silentConditions(of node: CoreV1.Node, lastHeard: Date, now: Date, gracePeriod: Duration) -> [CoreV1.NodeCondition]? {
        let grace = Double(gracePeriod.components.seconds) + Double(gracePeriod.components.attoseconds) / 1e18
        guard now.timeIntervalSince(lastHeard) > grace else { return nil }
        var conditions = node.status?.conditions ?? []
        var changed = false
        let time = Time(now)
        for type in monitoredConditions {
            if let index = conditions.firstIndex(where: { $0.type == type }) {
                guard conditions[index].status != "Unknown" else { continue }
                conditions[index].status = "Unknown"
                conditions[index].reason = "NodeStatusUnknown"
                conditions[index].message = "Kubelet stopped posting node status."
                conditions[index].lastTransitionTime = time
            } else {
                conditions.append(CoreV1.NodeCondition(
                    lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: time,
                    message: "Kubelet never posted node status.", reason: "NodeStatusNeverUpdated", status: "Unknown", type: type))
            }
            changed = true
        }
        return changed ? conditions : nil
    }

    /// The taints a node should carry: its taints of other keys kept as they are, plus
    /// `unreachable` (Ready `Unknown`) or `not-ready` (Ready `False`) with both `NoSchedule`
    /// and `NoExecute`, the pressure `NoSchedule` taints and `unschedulable`. A taint kept
    /// keeps its `timeAdded`; new ones get `now`.
    public static func desiredTaints(of node: CoreV1.Node, now: Date) -> [CoreV1.Taint] {
        let existing = node.spec?.taints ?? []
        let conditions = node.status?.conditions ?? []
        func status(_ type: String) -> String? { conditions.first { $0.type == type }?.status }
        var wanted: [(key: String, effect: String)] = []
        switch status("Ready") {
        case "Unknown": wanted += [(unreachableTaint, "NoSchedule"), (unreachableTaint, "NoExecute")]
        case "False": wanted += [(notReadyTaint, "NoSchedule"), (notReadyTaint, "NoExecute")]
        default: break
        }
        for (type, value, key) in pressureTaints where status(type) == value { wanted.append((key, "NoSchedule")) }
        if node.spec?.unschedulable == true { wanted.append(("node.kubernetes.io/unschedulable", "NoSchedule")) }
        var result = existing.filter { !managedTaintKeys.contains($0.key ?? "") }
        for (key, effect) in wanted {
            if let kept = existing.first(where: { $0.key == key && $0.effect == effect }) {
                result.append(kept)
            } else {
                result.append(CoreV1.Taint(effect: effect, key: key, timeAdded: Time(now)))
            }
        }
        return result
    }

    /// Whether two taint lists hold the same taints (order aside).
    public static func sameTaints(_ a: [CoreV1.Taint], _ b: [CoreV1.Taint]) -> Bool {
        a.count == b.count && Set(a) == Set(b)
    }
}
