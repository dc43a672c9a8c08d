#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Synchronization

/// A ``ResourceMetricsSource`` fed by the kubelets, as metrics-server is: every `interval`
/// (15 s) it reads each node's `GET /metrics/resource` (Prometheus text) through `fetch`, keeps
/// the last two samples of each series (`node_cpu_usage_seconds_total`,
/// `node_memory_working_set_bytes`, `container_cpu_usage_seconds_total` and
/// `container_memory_working_set_bytes` by `namespace`/`pod`/`container`), and answers CPU as
/// the rate between them and memory as the latest working set.
///
/// A node whose scrape fails is dropped until it answers again; a series whose counter went
/// backwards (a restarted container) starts over. Until a series has two samples it is left out.
public final class KubeletMetricsScraper: ResourceMetricsSource, Sendable {
    /// Reads a node's `/metrics/resource` text (the integrator connects it to the kubelet client).
    public typealias Fetch = @Sendable (_ nodeName: String) async throws -> String

    /// One reading of a series.
    struct Point: Sendable, Hashable {
        var value: Double
        var timestamp: Int64
    }

    /// The last two readings of a cumulative CPU counter and the latest memory reading.
    struct Usage: Sendable, Hashable {
        var previousCPU: Point?
        var cpu: Point?
        var memory: Point?

        /// Takes a new CPU reading: a newer one shifts the window, an equal time changes
        /// nothing, a smaller counter starts over.
        mutating func record(cpu point: Point) {
            guard let latest = cpu else {
                cpu = point
                return
            }
            if point.timestamp <= latest.timestamp { return }
            if point.value < latest.value {
                previousCPU = nil
            } else {
                previousCPU = latest
            }
            cpu = point
        }

        /// The rate and memory, once there are two CPU readings and a memory one.
        var usage: (usage: ResourceUsage, timestamp: Int64, window: Int64)? {
            guard let previous = previousCPU, let latest = cpu, let memory, latest.timestamp > previous.timestamp else { return nil }
            let window = latest.timestamp - previous.timestamp
            let rate = (latest.value - previous.value) / (Double(window) / 1000)
            guard rate.isFinite, rate >= 0, memory.value.isFinite, memory.value >= 0 else { return nil }
            let usage = ResourceUsage(cpuNanoCores: Int64((rate * 1e9).rounded()), memoryBytes: Int64(memory.value))
            return (usage, latest.timestamp, window)
        }
    }

    /// A container by namespace, pod and name.
    struct ContainerKey: Sendable, Hashable {
        var namespace: String
        var pod: String
        var container: String
    }

    /// What is known of one node.
    struct NodeState: Sendable {
        var node = Usage()
        var containers: [ContainerKey: Usage] = [:]
    }

    let nodeNames: @Sendable () async throws -> [String]
    let fetch: Fetch
    /// How often the nodes are scraped.
    public let interval: Duration
    let clock: @Sendable () -> Int64
    let logger: Logger
    let state = Mutex<[String: NodeState]>([:])

    /// Creates a scraper of the nodes `nodeNames` lists, reading each through `fetch`.
    /// `nowMilliseconds` stamps samples that carry no timestamp.
    public init(
        interval: Duration = .seconds(15), nodeNames: @escaping @Sendable () async throws -> [String], fetch: @escaping Fetch,
        nowMilliseconds: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
        logger: Logger
    ) {
        self.interval = interval
        self.nodeNames = nodeNames
        self.fetch = fetch
        self.clock = nowMilliseconds
        self.logger = logger
    }

    /// Scrapes every ``interval`` until the calling task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            await scrape()
            try? await Task.sleep(for: interval)
        }
    }

    /// Scrapes every node once, side by side.
    public func scrape() async {
        let names: [String]
        do {
            names = try await nodeNames()
        } catch {
            logger.debug("cannot list nodes to scrape", metadata: ["error": "\(error)"])
            return
        }
        let results = await withTaskGroup(of: (String, String?).self) { group in
            for name in names {
                group.addTask { [fetch, logger] in
                    do {
                        return (name, try await fetch(name))
                    } catch {
                        logger.debug("cannot scrape the node's resource metrics", metadata: ["node": "\(name)", "error": "\(error)"])
                        return (name, nil)
                    }
                }
            }
            var results: [(String, String?)] = []
            for await result in group { results.append(result) }
            return results
        }
        let listed = Set(names)
        state.withLock { nodes in
            for name in nodes.keys where !listed.contains(name) { nodes.removeValue(forKey: name) }
        }
        for (name, text) in results {
            guard let text else {
                _ = state.withLock { $0.removeValue(forKey: name) }
                continue
            }
            do {
                record(node: name, samples: try PrometheusText.parse(text))
            } catch {
                logger.debug("unreadable resource metrics", metadata: ["node": "\(name)", "error": "\(error)"])
                _ = state.withLock { $0.removeValue(forKey: name) }
            }
        }
    }

    /// Takes one scrape of `node`: its samples replace what the node reported before
    /// (containers it no longer lists are dropped).
    func record(node: String, samples: [PrometheusSample]) {
        let now = clock()
        state.withLock { nodes in
            var current = nodes[node] ?? NodeState()
            var containers: [ContainerKey: Usage] = [:]
            for sample in samples {
                let point = Point(value: sample.value, timestamp: sample.timestampMilliseconds ?? now)
                switch sample.name {
                case "node_cpu_usage_seconds_total":
                    current.node.record(cpu: point)
                case "node_memory_working_set_bytes":
                    current.node.memory = point
                case "container_cpu_usage_seconds_total", "container_memory_working_set_bytes":
                    let key = ContainerKey(
                        namespace: sample.labels["namespace"] ?? "", pod: sample.labels["pod"] ?? "", container: sample.labels["container"] ?? "")
                    guard !key.pod.isEmpty, !key.container.isEmpty else { continue }
                    var usage = containers[key] ?? current.containers[key] ?? Usage()
                    if sample.name == "container_cpu_usage_seconds_total" {
                        usage.record(cpu: point)
                    } else {
                        usage.memory = point
                    }
                    containers[key] = usage
                default:
                    continue
                }
            }
            current.containers = containers
            nodes[node] = current
        }
    }

    /// Every node with two CPU samples and a memory sample.
    public func nodeMetrics() async -> [NodeResourceMetrics] {
        state.withLock { nodes in
            nodes.compactMap { name, state in
                state.node.usage.map {
                    NodeResourceMetrics(name: name, timestampMilliseconds: $0.timestamp, windowMilliseconds: $0.window, usage: $0.usage)
                }
            }
        }
    }

    /// Every pod with at least one container with two CPU samples and a memory sample.
    public func podMetrics() async -> [PodResourceMetrics] {
        state.withLock { nodes in
            var pods: [String: PodResourceMetrics] = [:]
            for (_, node) in nodes {
                for (key, usage) in node.containers {
                    guard let (value, timestamp, window) = usage.usage else { continue }
                    let id = "\(key.namespace)/\(key.pod)"
                    var pod = pods[id] ?? PodResourceMetrics(
                        namespace: key.namespace, name: key.pod, timestampMilliseconds: timestamp, windowMilliseconds: window, containers: [])
                    pod.timestampMilliseconds = max(pod.timestampMilliseconds, timestamp)
                    pod.windowMilliseconds = max(pod.windowMilliseconds, window)
                    pod.containers.append(ContainerResourceMetrics(name: key.container, usage: value))
                    pods[id] = pod
                }
            }
            return pods.values.map { pod in
                var pod = pod
                pod.containers.sort { $0.name < $1.name }
                return pod
            }
        }
    }
}
