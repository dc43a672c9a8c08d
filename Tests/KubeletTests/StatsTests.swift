import KubeAPI
import Synchronization
import Testing
@testable import Kubelet

@Suite("Stats summary and resource metrics")
struct StatsTests {
    @Test func usageNanoCoresNeedsTwoSamples() {
        let first = StatsCollector.CPUSample(time: 1_000_000_000, usage: 5_000_000_000)
        #expect(StatsCollector.nanoCores(previous: nil, current: first) == nil)
        // 1.5 s of CPU over 2 s of wall time: three quarters of a core.
        let second = StatsCollector.CPUSample(time: 3_000_000_000, usage: 6_500_000_000)
        #expect(StatsCollector.nanoCores(previous: first, current: second) == 750_000_000)
        #expect(StatsCollector.nanoCores(previous: second, current: first) == nil)
        #expect(StatsCollector.nanoCores(previous: second, current: StatsCollector.CPUSample(time: 4_000_000_000, usage: 1)) == nil)
    }

    func summary() -> StatsSummary {
        let time = StatsTime(nanoseconds: 1_700_000_000_123_000_000)
        let container = ContainerStats(
            name: "main", startTime: StatsTime(nanoseconds: 1_600_000_000_000_000_000),
            cpu: CPUStats(time: time, usageNanoCores: 250_000_000, usageCoreNanoSeconds: 2_500_000_000),
            memory: MemoryStats(time: time, workingSetBytes: 1_048_576))
        let pod = PodStats(
            podRef: PodReference(name: "web", namespace: "default", uid: "uid-1"), containers: [container],
            cpu: CPUStats(time: time, usageCoreNanoSeconds: 2_500_000_000), memory: MemoryStats(time: time, workingSetBytes: 1_048_576))
        let node = NodeStats(
            nodeName: "node-a", cpu: CPUStats(time: time, usageNanoCores: 1_000_000_000, usageCoreNanoSeconds: 10_000_000_000),
            memory: MemoryStats(time: time, availableBytes: 3_000, usageBytes: 2_000, workingSetBytes: 1_000),
            fs: FsStats(time: time, usage: FilesystemUsage(capacityBytes: 100, availableBytes: 40, inodes: 10, inodesFree: 4)))
        return StatsSummary(node: node, pods: [pod])
    }

    @Test func theSummaryHasUpstreamsShape() throws {
        let json = try JSONValue(parsing: summary().jsonBytes())
        #expect(json["node"]?["nodeName"] == "node-a")
        #expect(json["node"]?["cpu"]?["time"] == "2023-11-14T22:13:20Z")
        #expect(json["node"]?["cpu"]?["usageNanoCores"] == 1_000_000_000)
        #expect(json["node"]?["cpu"]?["usageCoreNanoSeconds"] == 10_000_000_000)
        #expect(json["node"]?["memory"]?["workingSetBytes"] == 1_000)
        #expect(json["node"]?["memory"]?["availableBytes"] == 3_000)
        #expect(json["node"]?["memory"]?["rssBytes"] == nil)
        #expect(json["node"]?["fs"]?["usedBytes"] == 60)
        #expect(json["node"]?["fs"]?["inodesUsed"] == 6)
        let pod = try #require(json["pods"]?[0])
        #expect(pod["podRef"] == ["name": "web", "namespace": "default", "uid": "uid-1"])
        #expect(pod["containers"]?[0]?["name"] == "main")
        #expect(pod["containers"]?[0]?["memory"]?["workingSetBytes"] == 1_048_576)
        #expect(pod["cpu"]?["usageNanoCores"] == nil)
        let decoded = try JSONValue(parsing: summary().jsonBytes()).decode(StatsSummary.self)
        #expect(decoded.pods[0].podRef.uid == "uid-1")
    }

    @Test func resourceMetricsUseUpstreamNamesAndMillisecondTimestamps() {
        let text = ResourceMetrics.text(summary())
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        #expect(lines == [
            "container_cpu_usage_seconds_total{container=\"main\",namespace=\"default\",pod=\"web\"} 2.5 1700000000123",
            "container_memory_working_set_bytes{container=\"main\",namespace=\"default\",pod=\"web\"} 1048576 1700000000123",
            "container_start_time_seconds{container=\"main\",namespace=\"default\",pod=\"web\"} 1600000000 1700000000123",
            "node_cpu_usage_seconds_total 10 1700000000123",
            "node_memory_working_set_bytes 1000 1700000000123",
            "pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} 2.5 1700000000123",
            "pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 1048576 1700000000123",
            "scrape_error 0",
        ])
        #expect(text.contains("# TYPE node_cpu_usage_seconds_total counter\n"))
        #expect(text.contains("# TYPE node_memory_working_set_bytes gauge\n"))
        #expect(text.contains("# TYPE scrape_error gauge\n"))
        #expect(ResourceMetrics.text(nil).split(separator: "\n").last == "scrape_error 1")
        #expect(PrometheusTextWriter.labels(["pod": "a\"b\\c\nd"]) == "{pod=\"a\\\"b\\\\c\\nd\"}")
    }

    @Test func theCollectorReadsTheMachineAndTheRuntime() async throws {
        let now = Mutex<Int64>(1_700_000_000_000_000_000)
        let clock = KubeletClock(ContinuousClock())
        let runtime = FakeRuntimeClient(clock: clock)
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = CRI.PodSandboxConfig(metadata: CRI.PodSandboxMetadata(name: "web", namespace: "default", uid: "uid-1"))
        let sandbox = try await runtime.runPodSandbox(config)
        _ = try await runtime.pullImage(CRI.ImageSpec("nginx"))
        let id = try await runtime.createContainer(
            inSandbox: sandbox, config: CRI.ContainerConfig(metadata: CRI.ContainerMetadata(name: "main", attempt: 0), image: CRI.ImageSpec("nginx")),
            sandboxConfig: config)
        try await runtime.startContainer(id)
        var host = FixedHostSystem.v1
        let collector = StatsCollector(
            nodeName: "node-a", runtime: runtime, host: host, settings: NodeResourceSettings(host: host),
            memoryCapacityBytes: 8_192_000_000, wallNanoseconds: { now.withLock { $0 } })
        let first = try await collector.collect()
        #expect(first.node.cpu?.usageCoreNanoSeconds == 16_810_296_856_814)
        #expect(first.node.cpu?.usageNanoCores == nil)
        #expect(first.node.memory?.workingSetBytes == 4_000_000_000)
        #expect(first.node.memory?.availableBytes == 4_192_000_000)
        #expect(first.node.fs?.capacityBytes == 100 << 30)
        #expect(first.node.rlimit?.maxpid == 32768)
        #expect(first.pods.map(\.podRef) == [PodReference(name: "web", namespace: "default", uid: "uid-1")])
        #expect(first.pods.first?.containers.map(\.name) == ["main"])
        #expect(first.pods.first?.containers.first?.memory?.workingSetBytes == 0)
        let observed = collector.observations(first)
        #expect(observed.memoryAvailableBytes == 4_192_000_000)
        #expect(observed.nodefs == FixedHostSystem.rootFilesystem)
        #expect(observed.pidMax == 32768 && observed.runningProcesses == 183)
        // One second and one CPU-second later, the node used a whole core.
        host.files["/sys/fs/cgroup/cpuacct/cpuacct.usage"] = "\(16_810_296_856_814 + 1_000_000_000)\n"
        let second = StatsCollector(
            nodeName: "node-a", runtime: runtime, host: host, settings: NodeResourceSettings(host: host),
            memoryCapacityBytes: 8_192_000_000, wallNanoseconds: { now.withLock { $0 } })
        second.previous.withLock { $0 = collector.previous.withLock { $0 } }
        now.withLock { $0 += 1_000_000_000 }
        #expect(try await second.collect().node.cpu?.usageNanoCores == 1_000_000_000)
        let metrics = try await collector.resourceMetrics()
        #expect(metrics.contains("container_memory_working_set_bytes{container=\"main\",namespace=\"default\",pod=\"web\"} 0 "))
        #expect(metrics.hasSuffix("scrape_error 0\n"))
    }

    @Test func theRealMachinesFiguresArePlausible() async throws {
        let runtime = FakeRuntimeClient()
        let host = LinuxHostSystem()
        let collector = StatsCollector(
            nodeName: "here", runtime: runtime, host: host, settings: NodeResourceSettings(host: host, rootDirectory: "/"),
            memoryCapacityBytes: MachineInfo(reading: host, rootDirectory: "/").memoryBytes, wallNanoseconds: { KubeletClock.continuous.wallNanoseconds })
        let summary = try await collector.collect()
        #expect((summary.node.cpu?.usageCoreNanoSeconds ?? 0) > 0)
        #expect((summary.node.memory?.workingSetBytes ?? 0) > 0)
        #expect((summary.node.memory?.availableBytes ?? 0) > 0)
        #expect((summary.node.fs?.capacityBytes ?? 0) > 0)
        #expect((summary.node.rlimit?.curproc ?? 0) > 0)
        #expect(try await collector.resourceMetrics().contains("\nnode_cpu_usage_seconds_total "))
    }
}
