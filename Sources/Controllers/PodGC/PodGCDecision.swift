import KubeAPI

/// Pure choices of the pod garbage collector.
public enum PodGCDecision {
    /// Upstream's default `--terminated-pod-gc-threshold`.
    public static let defaultTerminatedThreshold = 12_500

    /// The finished pods to delete so that at most `threshold` remain: the oldest first
    /// (by creation time, then name); none when `threshold` is not positive.
    public static func terminatedToDelete(_ pods: [CoreV1.Pod], threshold: Int) -> [CoreV1.Pod] {
        guard threshold > 0 else { return [] }
        let finished = pods.filter { $0.isTerminal && !$0.isTerminating }
        guard finished.count > threshold else { return [] }
        let ordered = finished.sorted {
            ($0.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, $0.metadata.name ?? "")
                < ($1.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, $1.metadata.name ?? "")
        }
        return Array(ordered.prefix(finished.count - threshold))
    }

    /// Pods bound to a node that `nodeExists` says is gone.
    public static func orphaned(_ pods: [CoreV1.Pod], nodeExists: (String) -> Bool) -> [CoreV1.Pod] {
        pods.filter { pod in
            guard let node = pod.spec?.nodeName, !node.isEmpty else { return false }
            return !nodeExists(node)
        }
    }

    /// Terminating pods never bound to a node (nothing will ever finish them).
    public static func unscheduledTerminating(_ pods: [CoreV1.Pod]) -> [CoreV1.Pod] {
        pods.filter { $0.isTerminating && ($0.spec?.nodeName ?? "").isEmpty }
    }
}
