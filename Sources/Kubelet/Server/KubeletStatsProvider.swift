/// The source of the kubelet API's resource figures: `GET /stats/summary` and
/// `GET /metrics/resource` on the kubelet's HTTPS port (10250).
///
/// ``KubeletServer`` answers both paths with 404 while no provider is set, and with 503 and a
/// `Status` when the provider throws (the figures could not be gathered this time).
public protocol KubeletStatsProvider: Sendable {
    /// The node's summary (`stats/v1alpha1` `Summary`: `node` and `pods`) as JSON bytes, served
    /// with `Content-Type: application/json`.
    ///
    /// - Throws: any error when the figures cannot be gathered (the runtime is unreachable, say).
    func summary() async throws -> [UInt8]

    /// The resource metrics in the Prometheus text format (`node_cpu_usage_seconds_total`,
    /// `container_memory_working_set_bytes`, ...), served with
    /// `Content-Type: text/plain; version=0.0.4`.
    ///
    /// - Throws: any error when the figures cannot be gathered.
    func resourceMetrics() async throws -> String

    /// The kubelet's own metrics in the Prometheus text format (`kubelet_running_pods`,
    /// `kubelet_pod_sync_round_duration_seconds`, ...), served at `GET /metrics`.
    ///
    /// - Throws: any error when the figures cannot be gathered.
    func kubeletMetrics() async throws -> String
}
