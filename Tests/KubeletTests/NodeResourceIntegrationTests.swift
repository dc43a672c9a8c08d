import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Synchronization
import Testing
@testable import Kubelet

/// A fixed host whose text a test changes while a kubelet reads it.
final class ChangingHostSystem: HostSystem {
    let host: Mutex<FixedHostSystem>

    init(_ host: FixedHostSystem) {
        self.host = Mutex(host)
    }

    func update(_ change: (inout FixedHostSystem) -> Void) { host.withLock { change(&$0) } }
    func readFile(_ path: String) -> String? { host.withLock { $0.readFile(path) } }
    func listDirectory(_ path: String) -> [String]? { host.withLock { $0.listDirectory(path) } }
    func filesystemUsage(_ path: String) -> FilesystemUsage? { host.withLock { $0.filesystemUsage(path) } }
    func kernel() -> (release: String, machine: String) { host.withLock { $0.kernel() } }
    func directoryUsageBytes(_ path: String) -> Int64? { host.withLock { $0.directoryUsageBytes(path) } }
}

@Suite("A real node's resources against an in-process API server", .serialized)
struct NodeResourceIntegrationTests {
    let logger = Logger(label: "kubelet-test", factory: { _ in SwiftLogNoOpLogHandler() })

    func withRealKubelet(
        host: ChangingHostSystem, root: String? = nil, _ change: (inout NodeResourceSettings) -> Void = { _ in },
        _ body: (KubeClient, ManualClock, Kubelet, FakeRuntimeClient) async throws -> Void
    ) async throws {
        let server = try await TestAPIServer.start()
        let manual = ManualClock()
        let clock = KubeletClock(manual)
        let runtime = FakeRuntimeClient(clock: clock)
        var configuration = KubeletConfiguration(nodeName: "node-a", nodeIP: "10.0.0.5", podCIDR: "10.42.5.0/24")
        configuration.nodeResources.host = host
        configuration.rootDirectory = root
        change(&configuration.nodeResources)
        let kubelet = Kubelet(client: server.client(), configuration: configuration, runtime: runtime, clock: clock, logger: logger)
        let task = Task { try await kubelet.run() }
        var failure: (any Error)?
        do { try await body(server.client(), manual, kubelet, runtime) } catch { failure = error }
        task.cancel()
        _ = await task.result
        await server.stop()
        if let failure { throw failure }
    }

    @Test func aRealNodeReportsItsMachineAndEvictsUnderMemoryPressure() async throws {
        let host = ChangingHostSystem(.v1)
        try await withRealKubelet(host: host, { $0.externalIPs = ["203.0.113.9"]; $0.kubeReserved = ["cpu": Quantity("500m")] }) {
            client, clock, kubelet, _ in
            let nodes = client.resource(CoreV1.Node.self)
            let node = try await awaitObject(nodes, "node-a", "node-a to be Ready") { node in
                node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }
            #expect(node.status?.capacity?["cpu"] == Quantity("4"))
            #expect(node.status?.allocatable?["cpu"] == Quantity("3500m"))
            #expect(node.status?.capacity?["hugepages-2Mi"] == Quantity("1Gi"))
            #expect(node.status?.nodeInfo?.osImage == "Debian GNU/Linux 12 (bookworm)")
            #expect(node.status?.addresses?.contains(CoreV1.NodeAddress(address: "203.0.113.9", type: "ExternalIP")) == true)
            #expect(node.status?.conditions?.first { $0.type == "MemoryPressure" }?.status == "False")

            let pods = client.resource(CoreV1.Pod.self)
            let hog = CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(name: "hog", namespace: "default"),
                spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx:1.27", name: "main")], nodeName: "node-a"))
            _ = try await pods.create(hog, namespace: "default")
            _ = try await awaitObject(pods, "hog", namespace: "default", "hog to run") { phase($0) == "Running" }

            // The root cgroup now uses all but 42 MB: memory.available is under 100Mi.
            host.update { host in
                host.files["/sys/fs/cgroup/memory/memory.usage_in_bytes"] = "8150000000\n"
                host.files["/sys/fs/cgroup/memory/memory.stat"] = "total_inactive_file 0\n"
            }
            // Housekeeping sleeps on the manual clock: move it 10 s on at each poll (whichever of
            // the kubelet's loops is asleep when) until the node reports the pressure.
            let pressed = try await eventually("MemoryPressure", interval: .milliseconds(50)) { () async throws -> CoreV1.Node? in
                clock.advance(by: .seconds(10))
                let node = try await nodes.get("node-a")
                return node.status?.conditions?.contains { $0.type == "MemoryPressure" && $0.status == "True" } == true ? node : nil
            }
            #expect(pressed.status?.conditions?.first { $0.type == "MemoryPressure" }?.reason == "KubeletHasInsufficientMemory")
            let evicted = try await awaitObject(pods, "hog", namespace: "default", "hog to be evicted") { pod in
                phase(pod) == "Failed" && pod.status?.containerStatuses?.first?.state?.running == nil
            }
            #expect(evicted.status?.reason == "Evicted")
            #expect(evicted.status?.message?.hasPrefix("The node was low on resource: memory. Threshold quantity: 100Mi, available: ") == true)
            #expect(evicted.status?.conditions?.first { $0.type == "DisruptionTarget" }?.reason == "TerminationByKubelet")
            let event = try await eventually("the Evicted event") { () async throws -> CoreV1.Event? in
                try await client.resource(CoreV1.Event.self).list(namespace: "default").items.first {
                    $0.reason == "Evicted" && $0.involvedObject?.name == "hog"
                }
            }
            #expect(event.type == "Warning" && event.message == evicted.status?.message)
            _ = kubelet
        }
    }

    @Test func everyPodIsSyncedEachSyncFrequencyAndTheRoundIsTimed() async throws {
        try await withRealKubelet(host: ChangingHostSystem(.v1), { $0.syncFrequency = .seconds(30) }) { client, clock, kubelet, _ in
            let pods = client.resource(CoreV1.Pod.self)
            for name in ["one", "two"] {
                _ = try await pods.create(
                    CoreV1.Pod(
                        metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
                        spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx:1.27", name: "main")], nodeName: "node-a")),
                    namespace: "default")
                _ = try await awaitObject(pods, name, namespace: "default", "\(name) to run") { phase($0) == "Running" }
            }
            #expect(kubelet.syncRounds.figures.rounds == 0)
            // The periodic loop sleeps on the manual clock among the kubelet's other loops.
            try await eventually("a full sync round", interval: .milliseconds(50)) {
                clock.advance(by: .seconds(30))
                return kubelet.syncRounds.figures.rounds >= 1
            }
            #expect(kubelet.syncRounds.figures.lastPods == 2)
            let text = try await kubelet.stats.kubeletMetrics()
            #expect(text.contains("\nkubelet_running_pods 2\n"))
            #expect(text.contains(#"kubelet_running_containers{container_state="running"} 2"#))
            #expect(text.contains("kubelet_pod_sync_round_last_pods 2\n"))
        }
    }

    @Test func aDiskEmptyDirOverItsSizeLimitGetsThePodEvicted() async throws {
        let host = ChangingHostSystem(.v1)
        try await withTemporaryDirectory { root in
            try await withRealKubelet(host: host, root: root) { client, clock, kubelet, _ in
                let pods = client.resource(CoreV1.Pod.self)
                let pod = CoreV1.Pod(
                    metadata: MetaV1.ObjectMeta(name: "filler", namespace: "default"),
                    spec: CoreV1.PodSpec(
                        automountServiceAccountToken: false, containers: [CoreV1.Container(image: "nginx:1.27", name: "main")], nodeName: "node-a",
                        volumes: [
                            CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(sizeLimit: Quantity("1Mi")), name: "scratch"),
                            CoreV1.Volume(emptyDir: CoreV1.EmptyDirVolumeSource(), name: "free"),
                        ]))
                _ = try await pods.create(pod, namespace: "default")
                let running = try await awaitObject(pods, "filler", namespace: "default", "filler to run") { phase($0) == "Running" }
                let volumes = "\(root)/pods/\(running.metadata.uid ?? "")/volumes/kubernetes.io~empty-dir"
                // Within the limit, and a large volume without one: nothing happens.
                host.update { host in
                    host.directoryUsage[volumes + "/scratch"] = 1 << 20
                    host.directoryUsage[volumes + "/free"] = 50 << 30
                }
                await kubelet.enforceEmptyDirLimits()
                #expect(phase(try await pods.get("filler", namespace: "default")) == "Running")
                host.update { $0.directoryUsage[volumes + "/scratch"] = 2 << 20 }
                let evicted = try await eventually("filler to be evicted", interval: .milliseconds(50)) { () async throws -> CoreV1.Pod? in
                    clock.advance(by: .seconds(10))
                    let pod = try await pods.get("filler", namespace: "default")
                    return phase(pod) == "Failed" ? pod : nil
                }
                #expect(evicted.status?.reason == "Evicted")
                #expect(evicted.status?.message == #"Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". "#)
            }
        }
    }

    @Test func unusedImagesAndDeadContainersAreCollected() async throws {
        var fixed = FixedHostSystem.v1
        // The image filesystem is 95% full: collection frees down to 80%.
        fixed.filesystems["/var/lib/kubelet"] = FilesystemUsage(capacityBytes: 100_000_000, availableBytes: 5_000_000, inodes: 10, inodesFree: 5)
        let host = ChangingHostSystem(fixed)
        try await withRealKubelet(host: host, { $0.imageGC.minAge = .zero; $0.pinnedImages = ["busybox:latest"] }) { _, _, kubelet, runtime in
            try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.5.0/24"))
            for image in ["busybox", "redis", "nginx", "alpine"] { _ = try await runtime.pullImage(CRI.ImageSpec(image)) }
            let config = CRI.PodSandboxConfig(metadata: CRI.PodSandboxMetadata(name: "gone", namespace: "default", uid: "gone-uid"))
            let sandbox = try await runtime.runPodSandbox(config)
            let container = try await runtime.createContainer(
                inSandbox: sandbox, config: CRI.ContainerConfig(metadata: CRI.ContainerMetadata(name: "main"), image: CRI.ImageSpec("nginx")),
                sandboxConfig: config)
            await kubelet.collectImages(reclaimAll: false)
            // 15 MB to free, 10 MB an image: alpine and redis go; busybox is pinned, nginx in use.
            #expect(try await runtime.listImages().map(\.repoTags) == [["docker.io/library/busybox:latest"], ["docker.io/library/nginx:latest"]])
            try await runtime.stopPodSandbox(sandbox)
            await kubelet.collectContainers()
            #expect(try await runtime.listContainers().map(\.id).contains(container) == false)
            #expect(try await runtime.listPodSandbox().isEmpty)
        }
    }
}
