@testable import APIServer
import Logging
import Synchronization
import Testing

@Suite struct KubeletMetricsScraperTests {
    /// What each node's fetch answers next; a missing node fails.
    final class FakeKubelets: Sendable {
        let documents = Mutex<[String: String]>([:])
        func set(_ node: String, _ text: String?) { documents.withLock { $0[node] = text } }
        func fetch(_ node: String) throws -> String {
            guard let text = documents.withLock({ $0[node] }) else { throw CancellationError() }
            return text
        }
    }

    static func document(pod: String = "web", nodeCPU: Double, nodeMemory: Int, containerCPU: Double, at ms: Int64) -> String {
        """
        node_cpu_usage_seconds_total \(nodeCPU) \(ms)
        node_memory_working_set_bytes \(nodeMemory) \(ms)
        container_cpu_usage_seconds_total{container="app",namespace="default",pod="\(pod)"} \(containerCPU) \(ms)
        container_memory_working_set_bytes{container="app",namespace="default",pod="\(pod)"} 2097152 \(ms)
        container_cpu_usage_seconds_total{container="sidecar",namespace="default",pod="\(pod)"} 1 \(ms)
        container_memory_working_set_bytes{container="sidecar",namespace="default",pod="\(pod)"} 1048576 \(ms)
        """
    }

    static func scraper(_ kubelets: FakeKubelets, nodes: [String]) -> KubeletMetricsScraper {
        KubeletMetricsScraper(
            nodeNames: { nodes }, fetch: { try kubelets.fetch($0) }, nowMilliseconds: { 0 },
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    @Test func ratesNeedTwoSamples() async {
        let kubelets = FakeKubelets()
        let scraper = Self.scraper(kubelets, nodes: ["n1"])
        kubelets.set("n1", Self.document(nodeCPU: 100, nodeMemory: 1_000_000, containerCPU: 10, at: 1_000_000))
        await scraper.scrape()
        #expect(await scraper.nodeMetrics().isEmpty, "one sample gives no rate")
        #expect(await scraper.podMetrics().isEmpty)
        // 15 s later: the node used 3 CPU-seconds (0.2 cores), the app container 1.5 (0.1 cores).
        kubelets.set("n1", Self.document(nodeCPU: 103, nodeMemory: 2_000_000, containerCPU: 11.5, at: 1_015_000))
        await scraper.scrape()
        #expect(await scraper.nodeMetrics() == [NodeResourceMetrics(
            name: "n1", timestampMilliseconds: 1_015_000, windowMilliseconds: 15_000,
            usage: ResourceUsage(cpuNanoCores: 200_000_000, memoryBytes: 2_000_000))])
        #expect(await scraper.podMetrics() == [PodResourceMetrics(
            namespace: "default", name: "web", timestampMilliseconds: 1_015_000, windowMilliseconds: 15_000,
            containers: [
                ContainerResourceMetrics(name: "app", usage: ResourceUsage(cpuNanoCores: 100_000_000, memoryBytes: 2_097_152)),
                ContainerResourceMetrics(name: "sidecar", usage: ResourceUsage(cpuNanoCores: 0, memoryBytes: 1_048_576)),
            ])])
        // The same sample served again changes nothing.
        await scraper.scrape()
        #expect(await scraper.nodeMetrics().first?.usage.cpuNanoCores == 200_000_000)
    }

    @Test func counterResetStartsOverAndFailingNodesAreDropped() async {
        let kubelets = FakeKubelets()
        let scraper = Self.scraper(kubelets, nodes: ["n1", "n2"])
        kubelets.set("n1", Self.document(nodeCPU: 100, nodeMemory: 1, containerCPU: 10, at: 1_000))
        kubelets.set("n2", Self.document(pod: "api", nodeCPU: 100, nodeMemory: 1, containerCPU: 10, at: 1_000))
        await scraper.scrape()
        kubelets.set("n1", Self.document(nodeCPU: 110, nodeMemory: 1, containerCPU: 5, at: 11_000))
        kubelets.set("n2", Self.document(pod: "api", nodeCPU: 101, nodeMemory: 1, containerCPU: 11, at: 11_000))
        await scraper.scrape()
        #expect(Set(await scraper.nodeMetrics().map(\.name)) == ["n1", "n2"])
        // n1's app container restarted (its counter went down): no rate until the next sample.
        let pods = await scraper.podMetrics().sorted { $0.name < $1.name }
        #expect(pods.map(\.name) == ["api", "web"])
        #expect(pods.first?.containers.map(\.name) == ["app", "sidecar"])
        #expect(pods.last?.containers.map(\.name) == ["sidecar"])
        kubelets.set("n2", nil)
        await scraper.scrape()
        #expect(await scraper.nodeMetrics().map(\.name) == ["n1"])
    }
}
