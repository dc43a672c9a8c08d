import ClusterTesting
import Testing
@testable import Kubelet

@Suite("FakeRuntimeClient")
struct FakeRuntimeClientTests {
    let clock = ManualClock()
    var runtime: FakeRuntimeClient { FakeRuntimeClient(clock: KubeletClock(clock, wallNanosecondsAtStart: 1_000 * second)) }

    func sandboxConfig(_ name: String = "web", annotations: [String: String] = [:], hostNetwork: Bool = false) -> CRI.PodSandboxConfig {
        CRI.PodSandboxConfig(metadata: CRI.PodSandboxMetadata(name: name, namespace: "default", uid: "uid-\(name)"),
                             annotations: annotations, hostNetwork: hostNetwork)
    }

    func containerConfig(_ name: String, policy: String = "Never", image: String = "nginx") -> CRI.ContainerConfig {
        CRI.ContainerConfig(metadata: CRI.ContainerMetadata(name: name), image: CRI.ImageSpec(image),
                            annotations: [ContainerAnnotations.restartPolicy: policy])
    }

    /// Pulls, creates and starts a container; returns its ID.
    func run(_ runtime: FakeRuntimeClient, sandbox: String, config: CRI.PodSandboxConfig, _ container: CRI.ContainerConfig) async throws -> String {
        _ = try await runtime.pullImage(container.image)
        let id = try await runtime.createContainer(inSandbox: sandbox, config: container, sandboxConfig: config)
        try await runtime.startContainer(id)
        return id
    }

    @Test func sandboxesGetPodIPsFromTheCIDRAndReleaseThem() async throws {
        let runtime = self.runtime
        #expect(try await runtime.status().holds("NetworkReady") == false)
        await #expect(throws: RuntimeError(.failedPrecondition, "network not ready: no pod CIDR configured")) {
            try await runtime.runPodSandbox(sandboxConfig())
        }
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.7.0/24"))
        #expect(try await runtime.status().holds("NetworkReady"))
        let first = try await runtime.runPodSandbox(sandboxConfig("a"))
        let second = try await runtime.runPodSandbox(sandboxConfig("b"))
        #expect(try await runtime.podSandboxStatus(first).ip == "10.42.7.2")
        #expect(try await runtime.podSandboxStatus(second).ip == "10.42.7.3")
        try await runtime.stopPodSandbox(first)
        #expect(try await runtime.podSandboxStatus(first).sandbox.state == .notReady)
        let third = try await runtime.runPodSandbox(sandboxConfig("c"))
        #expect(try await runtime.podSandboxStatus(third).ip == "10.42.7.2")
        let host = try await runtime.runPodSandbox(sandboxConfig("h", hostNetwork: true))
        #expect(try await runtime.podSandboxStatus(host).ip == nil)
        try await runtime.removePodSandbox(first)
        try await runtime.removePodSandbox(first)  // idempotent
        #expect(try await runtime.listPodSandbox().map(\.id) == [second, third, host])
        #expect(try await runtime.listPodSandbox(CRI.PodSandboxFilter(state: .notReady)).isEmpty)
        await #expect(throws: RuntimeError.self) { try await runtime.podSandboxStatus(first) }
    }

    @Test func aContainerExitsAfterTheDefaultRunTimeAndPublishesEvents() async throws {
        let runtime = self.runtime
        var events = runtime.containerEvents().makeAsyncIterator()
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = sandboxConfig()
        let sandbox = try await runtime.runPodSandbox(config)
        let id = try await run(runtime, sandbox: sandbox, config: config, containerConfig("main", policy: "Never"))
        #expect(await events.next()?.type == .created)
        #expect(await events.next()?.type == .started)
        clock.advance(by: .milliseconds(999))
        #expect(try await runtime.containerStatus(id).container.state == .running)
        clock.advance(by: .milliseconds(1))
        let stopped = await events.next()
        #expect(stopped?.type == .stopped)
        #expect(stopped?.containerID == id)
        #expect(stopped?.pod.uid == "uid-web")
        let status = try await runtime.containerStatus(id)
        #expect(status.container.state == .exited)
        #expect(status.exitCode == 0)
        #expect(status.reason == "Completed")
        #expect(status.finishedAt - status.startedAt == second)
        #expect(status.container.imageRef.hasPrefix("docker.io/library/nginx@sha256:"))
    }

    @Test func anAlwaysContainerRunsUntilStopped() async throws {
        let runtime = self.runtime
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = sandboxConfig()
        let sandbox = try await runtime.runPodSandbox(config)
        let id = try await run(runtime, sandbox: sandbox, config: config, containerConfig("main", policy: "Always"))
        #expect(clock.sleeperCount == 0)  // no exit timer at all
        clock.advance(by: .seconds(3600))
        #expect(try await runtime.containerStatus(id).container.state == .running)
        try await runtime.stopContainer(id, timeout: .seconds(30))
        let status = try await runtime.containerStatus(id)
        #expect(status.container.state == .exited)
        #expect(status.exitCode == 0)
        try await runtime.stopContainer(id, timeout: .seconds(30))  // idempotent
    }

    @Test func theRunAnnotationSetsRunTimesAndExitCodes() async throws {
        let runtime = self.runtime
        var events = runtime.containerEvents().makeAsyncIterator()
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = sandboxConfig(annotations: [HollowBehavior.runAnnotation: "main=3s:1, sidecar=forever"])
        let sandbox = try await runtime.runPodSandbox(config)
        let main = try await run(runtime, sandbox: sandbox, config: config, containerConfig("main", policy: "Never"))
        let sidecar = try await run(runtime, sandbox: sandbox, config: config, containerConfig("sidecar", policy: "Never"))
        clock.advance(by: .seconds(3))
        while let event = await events.next(), event.type != .stopped {}
        let status = try await runtime.containerStatus(main)
        #expect(status.exitCode == 1)
        #expect(status.reason == "Error")
        #expect(try await runtime.containerStatus(sidecar).container.state == .running)
        #expect(try await runtime.listContainers(CRI.ContainerFilter(state: .running)).map(\.id) == [sidecar])
    }

    @Test(arguments: [(Duration.seconds(10), 0, Duration.seconds(5)), (.seconds(2), 137, .seconds(2))])
    func stoppingHonoursTheStopDelayAndTheTimeout(timeout: Duration, exitCode: Int, took: Duration) async throws {
        let runtime = self.runtime
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = sandboxConfig(annotations: [HollowBehavior.stopAnnotation: "main=5s"])
        let sandbox = try await runtime.runPodSandbox(config)
        let id = try await run(runtime, sandbox: sandbox, config: config, containerConfig("main", policy: "Always"))
        let stop = Task { try await runtime.stopContainer(id, timeout: timeout) }
        try await eventually("the stop to wait on the clock") { clock.sleeperCount == 1 }
        clock.advance(by: took - .nanoseconds(1))
        #expect(try await runtime.containerStatus(id).container.state == .running)
        clock.advance(by: .nanoseconds(1))
        try await stop.value
        let status = try await runtime.containerStatus(id)
        #expect(status.exitCode == exitCode)
    }

    @Test func stoppingTheSandboxKillsItsContainers() async throws {
        let runtime = self.runtime
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = sandboxConfig()
        let sandbox = try await runtime.runPodSandbox(config)
        let id = try await run(runtime, sandbox: sandbox, config: config, containerConfig("main", policy: "Always"))
        try await runtime.stopPodSandbox(sandbox)
        let status = try await runtime.containerStatus(id)
        #expect(status.container.state == .exited)
        #expect(status.exitCode == 137)
        try await runtime.removePodSandbox(sandbox)
        #expect(try await runtime.listContainers().isEmpty)
    }

    @Test func badRequestsGetTypedErrors() async throws {
        let runtime = self.runtime
        try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/24"))
        let config = sandboxConfig()
        let sandbox = try await runtime.runPodSandbox(config)
        // Image not pulled.
        await #expect(throws: RuntimeError.self) {
            try await runtime.createContainer(inSandbox: sandbox, config: containerConfig("main"), sandboxConfig: config)
        }
        _ = try await runtime.pullImage(CRI.ImageSpec("nginx"))
        // Unknown sandbox.
        do {
            _ = try await runtime.createContainer(inSandbox: "nope", config: containerConfig("main"), sandboxConfig: config)
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            #expect(error.code == .notFound)
        }
        // Bad annotation.
        let bad = sandboxConfig(annotations: [HollowBehavior.runAnnotation: "main=soon"])
        do {
            _ = try await runtime.createContainer(inSandbox: sandbox, config: containerConfig("main"), sandboxConfig: bad)
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("hollow.k3s.io/run"))
        }
        // Starting twice.
        let id = try await runtime.createContainer(inSandbox: sandbox, config: containerConfig("main"), sandboxConfig: config)
        try await runtime.startContainer(id)
        do {
            try await runtime.startContainer(id)
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            #expect(error.code == .failedPrecondition)
        }
        // Bad CIDR and bad image.
        await #expect(throws: RuntimeError.self) { try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: "10.42.0.0/33")) }
        await #expect(throws: RuntimeError.self) { try await runtime.pullImage(CRI.ImageSpec("Bad Image")) }
        // Stopped sandbox.
        try await runtime.stopPodSandbox(sandbox)
        do {
            _ = try await runtime.createContainer(inSandbox: sandbox, config: containerConfig("other"), sandboxConfig: config)
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            #expect(error.code == .failedPrecondition)
        }
    }

    @Test func missingImagesFailToPull() async throws {
        let runtime = FakeRuntimeClient(configuration: .init(missingImages: ["docker.io/library/missing:latest"]))
        do {
            _ = try await runtime.pullImage(CRI.ImageSpec("missing"))
            Issue.record("expected an error")
        } catch let error as RuntimeError {
            #expect(error.code == .notFound)
        }
        #expect(try await runtime.imageStatus(CRI.ImageSpec("missing")) == nil)
        _ = try await runtime.pullImage(CRI.ImageSpec("nginx:1.27"))
        #expect(try await runtime.listImages().flatMap(\.repoTags) == ["docker.io/library/nginx:1.27"])
    }
}
