/// The Prometheus text of `/metrics/resource`, from a summary: upstream's metric names, label
/// sets and millisecond timestamps, the figures `metrics-server` scrapes.
public enum ResourceMetrics {
    /// The text for `summary`, or only `scrape_error 1` when it could not be gathered (`nil`).
    public static func text(_ summary: StatsSummary?) -> String {
        var writer = PrometheusTextWriter()
        func family(_ name: String, _ type: String, _ help: String, _ samples: [PrometheusTextWriter.Sample]) {
            writer.family(name, type, help, samples)
        }
        func labels(_ pairs: [String: String]) -> String { PrometheusTextWriter.labels(pairs) }
        if let summary {
            let pods = summary.pods.sorted { ($0.podRef.namespace, $0.podRef.name) < ($1.podRef.namespace, $1.podRef.name) }
            var containerCPU: [(String, Double, StatsTime?)] = []
            var containerMemory: [(String, Double, StatsTime?)] = []
            var containerStart: [(String, Double, StatsTime?)] = []
            var podCPU: [(String, Double, StatsTime?)] = []
            var podMemory: [(String, Double, StatsTime?)] = []
            for pod in pods {
                let podLabels = labels(["namespace": pod.podRef.namespace, "pod": pod.podRef.name])
                for container in pod.containers.sorted(by: { $0.name < $1.name }) {
                    let containerLabels = labels(["container": container.name, "namespace": pod.podRef.namespace, "pod": pod.podRef.name])
                    if let cpu = container.cpu, let used = cpu.usageCoreNanoSeconds {
                        containerCPU.append((containerLabels, Double(used) / 1e9, cpu.time))
                    }
                    if let memory = container.memory, let workingSet = memory.workingSetBytes {
                        containerMemory.append((containerLabels, Double(workingSet), memory.time))
                    }
                    if let start = container.startTime {
                        containerStart.append((containerLabels, Double(start.nanoseconds) / 1e9, container.cpu?.time ?? start))
                    }
                }
                if let cpu = pod.cpu, let used = cpu.usageCoreNanoSeconds { podCPU.append((podLabels, Double(used) / 1e9, cpu.time)) }
                if let memory = pod.memory, let workingSet = memory.workingSetBytes {
                    podMemory.append((podLabels, Double(workingSet), memory.time))
                }
            }
            family("container_cpu_usage_seconds_total", "counter", "Cumulative CPU time of the container in core-seconds", containerCPU)
            family("container_memory_working_set_bytes", "gauge", "Working set of the container in bytes", containerMemory)
            family("container_start_time_seconds", "gauge", "Start time of the container in seconds since the epoch", containerStart)
            if let cpu = summary.node.cpu, let used = cpu.usageCoreNanoSeconds {
                family("node_cpu_usage_seconds_total", "counter", "Cumulative CPU time of the node in core-seconds", [("", Double(used) / 1e9, cpu.time)])
            }
            if let memory = summary.node.memory, let workingSet = memory.workingSetBytes {
                family("node_memory_working_set_bytes", "gauge", "Working set of the node in bytes", [("", Double(workingSet), memory.time)])
            }
            family("pod_cpu_usage_seconds_total", "counter", "Cumulative CPU time of the pod in core-seconds", podCPU)
            family("pod_memory_working_set_bytes", "gauge", "Working set of the pod in bytes", podMemory)
        }
        family("scrape_error", "gauge", "1 when the figures could not be gathered, 0 otherwise", [("", summary == nil ? 1 : 0, nil)])
        return writer.text
    }
}
