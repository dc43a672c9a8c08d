import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Kubelet

/// A kubelet that starts next to running pods (after a crash or `kill -9`) takes over their
/// sandboxes and containers instead of making new ones.
@Suite("Kubelet adoption of running pods", .serialized)
struct KubeletAdoptionTests {
    let logger = Logger(label: "kubelet-test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func aRestartedKubeletAdoptsTheRunningContainers() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let manual = ManualClock()
        let clock = KubeletClock(manual)
        let runtime = FakeRuntimeClient(clock: clock)
        let configuration = KubeletConfiguration(nodeName: "node-a", nodeIP: "10.0.0.5", podCIDR: "10.42.5.0/24")
        let pods = client.resource(CoreV1.Pod.self)

        let first = Kubelet(client: client, configuration: configuration, runtime: runtime, clock: clock, logger: logger)
        let firstTask = Task { try await first.run() }
        _ = try await pods.create(
            CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(name: "steady", namespace: "default"),
                spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx:1.27", name: "main")], nodeName: "node-a")),
            namespace: "default")
        let running = try await awaitObject(pods, "steady", namespace: "default", "Running") { phase($0) == "Running" }
        let containerID = try #require(running.status?.containerStatuses?.first?.containerID)
        let sandboxes = try await runtime.listPodSandbox()
        #expect(sandboxes.count == 1)
        // The first kubelet dies without cleaning up; its containers keep running.
        firstTask.cancel()
        _ = await firstTask.result

        let second = Kubelet(client: client, configuration: configuration, runtime: runtime, clock: clock, logger: logger)
        let secondTask = Task { try await second.run() }
        defer { secondTask.cancel() }
        // The new kubelet knows the sandbox (what its API serves exec and logs from) ...
        _ = try await within("the sandbox adopted") {
            while second.sandboxID(podUID: running.metadata.uid ?? "") == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(second.sandboxID(podUID: running.metadata.uid ?? "") == sandboxes.first?.id)
        // ... and made nothing new: one sandbox, one running container, the same ID in the status.
        #expect(try await runtime.listPodSandbox().map(\.id) == sandboxes.map(\.id))
        let containers = try await runtime.listContainers()
        #expect(containers.count == 1)
        #expect(containers.first.map { "containerd://\($0.id)" } == containerID)
        #expect(try await pods.get("steady", namespace: "default").status?.containerStatuses?.first?.restartCount == 0)
        secondTask.cancel()
        _ = await secondTask.result
        await server.stop()
    }
}
