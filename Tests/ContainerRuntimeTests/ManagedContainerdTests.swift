#if canImport(Glibc)
import Glibc
#endif
import ClusterTesting
import ContainerRuntime
import Kubelet
import Testing

/// `ManagedContainerd` with a real containerd.
@Suite("ManagedContainerd", .enabled(if: HostTools.canRunContainerd, "needs root, containerd, runc, skopeo and docker-registry"))
struct ManagedContainerdTests {
    /// containerd killed with SIGKILL comes back by itself, and a container that ran before is
    /// still running afterwards (its shim outlived containerd).
    @Test func containerdComesBackAndContainersSurvive() async throws {
        try await ContainerdFixture.with(images: true) { fixture in
            let client = fixture.client
            print("containerd answered \(fixture.managed.lastStartDuration.map { "\($0)" } ?? "?") after its start")
            let sandboxConfig = CRI.PodSandboxConfig(
                metadata: CRI.PodSandboxMetadata(name: "survivor", namespace: "test", uid: "survivor-uid"), hostNetwork: true)
            let sandbox = try await client.runPodSandbox(sandboxConfig)
            _ = try await client.pullImage(CRI.ImageSpec(ContainerdFixture.busyboxImage))
            let container = try await client.createContainer(
                inSandbox: sandbox,
                config: CRI.ContainerConfig(
                    metadata: CRI.ContainerMetadata(name: "sleeper"), image: CRI.ImageSpec(ContainerdFixture.busyboxImage),
                    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]),
                sandboxConfig: sandboxConfig)
            try await client.startContainer(container)
            let before = try await client.containerStatus(container)
            #expect(before.container.state == .running)

            let first = try #require(fixture.managed.processID)
            kill(first, SIGKILL)
            try await eventually("containerd runs again with a new process", timeout: .seconds(60), interval: .milliseconds(50)) {
                guard let pid = fixture.managed.processID, pid != first else { return false }
                return (try? await client.version()) != nil
            }
            #expect(fixture.managed.startCount == 2)
            let after = try await client.containerStatus(container)
            #expect(after.container.state == .running, "the container outlived containerd")
            #expect(after.startedAt == before.startedAt, "it is the same process, not a restart")
            let echoed = try await client.execSync(containerID: container, command: ["echo", "alive"], timeout: .seconds(10))
            #expect(echoed.stdout == Array("alive\n".utf8))
        }
    }
}
