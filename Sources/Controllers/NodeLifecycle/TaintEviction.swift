#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// Pure rules of taint-based eviction: when a pod on a node with `NoExecute` taints must go.
public enum TaintEviction {
    /// Whether `toleration` tolerates `taint` (empty effect matches every effect; `Exists`
    /// with an empty key matches every taint; `Equal`, the default, also compares values).
    public static func tolerates(_ toleration: CoreV1.Toleration, _ taint: CoreV1.Taint) -> Bool {
        if let effect = toleration.effect, !effect.isEmpty, effect != taint.effect { return false }
        let op = toleration.operator ?? "Equal"
        let key = toleration.key ?? ""
        if op == "Exists" { return key.isEmpty || key == taint.key }
        return key == (taint.key ?? "") && (toleration.value ?? "") == (taint.value ?? "")
    }

    /// When the pod must be evicted from a node with `taints`: `nil` when never (no
    /// `NoExecute` taint, or every one tolerated without a time limit); otherwise the earliest
    /// `timeAdded` of the `NoExecute` taints plus the smallest `tolerationSeconds` of the
    /// tolerations in use (`now` when some taint is not tolerated at all).
    public static func evictionTime(of pod: CoreV1.Pod, taints: [CoreV1.Taint], now: Date) -> Date? {
        let noExecute = taints.filter { $0.effect == "NoExecute" }
        guard !noExecute.isEmpty else { return nil }
        let tolerations = pod.spec?.tolerations ?? []
        var minimum: Int?
        for taint in noExecute {
            let used = tolerations.filter { tolerates($0, taint) }
            if used.isEmpty { return now }
            for toleration in used {
                if let seconds = toleration.tolerationSeconds { minimum = min(minimum ?? seconds, seconds) }
            }
        }
        guard let minimum else { return nil }
        let start = noExecute.compactMap(\.timeAdded).min()?.date ?? now
        return start.addingTimeInterval(Double(max(0, minimum)))
    }
}
