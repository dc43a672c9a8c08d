/// The Prometheus text of the kubelet API's `/metrics`: the pods and containers the runtime runs
/// (upstream's `kubelet_running_pods` and `kubelet_running_containers`) and the periodic full
/// sync rounds (`kubelet_pod_sync_round_duration_seconds`, a summary, with the last round's
/// duration and pod count as gauges).
public enum KubeletMetrics {
    /// The text for a runtime's sandboxes and containers and the sync rounds so far.
    public static func text(sandboxes: [CRI.PodSandbox], containers: [CRI.Container], rounds: PodSyncRounds.Figures) -> String {
        var writer = PrometheusTextWriter()
        let ready = sandboxes.count { $0.state == .ready }
        writer.family("kubelet_running_pods", "gauge", "Number of pods that have a running pod sandbox", [("", Double(ready), nil)])
        var byState: [String: Int] = [:]
        for container in containers {
            let name = switch container.state {
            case .created: "created"
            case .running: "running"
            case .exited: "exited"
            case .unknown: "unknown"
            }
            byState[name, default: 0] += 1
        }
        writer.family(
            "kubelet_running_containers", "gauge", "Number of containers currently known to the runtime, by state",
            byState.keys.sorted().map { (PrometheusTextWriter.labels(["container_state": $0]), Double(byState[$0]!), nil) })
        writer.summary(
            "kubelet_pod_sync_round_duration_seconds", "Duration of the periodic rounds that sync every pod of the node once",
            sum: seconds(rounds.total), count: rounds.rounds)
        writer.family(
            "kubelet_pod_sync_round_last_duration_seconds", "gauge", "Duration of the last full sync round",
            [("", seconds(rounds.last), nil)])
        writer.family(
            "kubelet_pod_sync_round_last_pods", "gauge", "Number of pods the last full sync round synced",
            [("", Double(rounds.lastPods), nil)])
        return writer.text
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
