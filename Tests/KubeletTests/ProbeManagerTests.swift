import ClusterTesting
import KubeAPI
import Synchronization
import Testing
@testable import Kubelet

/// A `ProbeHost` showing one container and recording what the manager reports.
final class FakeProbeHost: ProbeHost {
    let observation: Mutex<ProbeObservation?>
    let changes = Mutex(0)
    let events = Mutex<[String]>([])

    init(_ observation: ProbeObservation?) {
        self.observation = Mutex(observation)
    }

    func probeObservation(podUID: String, container: String) -> ProbeObservation? { observation.withLock { $0 } }
    func probeResultChanged(podUID: String) { changes.withLock { $0 += 1 } }
    func probeEvent(_ pod: CoreV1.Pod, container: String, warning: Bool, reason: String, message: String) {
        events.withLock { $0.append("\(warning ? "Warning" : "Normal") \(reason) \(container): \(message)") }
    }
}

@Suite("ProbeManager: thresholds, delays, gating and periods")
struct ProbeManagerTests {
    /// Exit codes the scripted exec answers with, and how often it ran.
    final class ExecScript: Sendable {
        let exitCode = Mutex(0)
        let runs = Mutex(0)
        var exec: Prober.Exec {
            { _, _, _ in
                self.runs.withLock { $0 += 1 }
                return CRI.ExecSyncResult(stdout: bytes("out"), exitCode: self.exitCode.withLock { $0 })
            }
        }
    }

    let manual = ManualClock()
    let clock: KubeletClock
    let script = ExecScript()
    let manager: ProbeManager

    init() {
        clock = KubeletClock(manual, wallNanosecondsAtStart: 1000 * second)
        manager = ProbeManager(prober: Prober(exec: script.exec, dialer: ScriptedDialer()), clock: clock)
    }

    func observation(_ container: CoreV1.Container, id: String = "c1", state: CRI.ContainerState = .running) -> ProbeObservation {
        var pod = makePod()
        pod.spec?.containers = [container]
        return ProbeObservation(
            pod: pod, container: container, status: runtimeContainer("main", state: state, started: 1000, id: id), podIP: "10.42.0.2")
    }

    func key(_ kind: ProbeKind) -> ProbeManager.Key { ProbeManager.Key(podUID: "uid-1", container: "main", kind: kind) }

    @Test func livenessFailsOnlyAfterFailureThresholdAndThenHolds() async {
        let probe = execProbe(failure: 3)
        let host = FakeProbeHost(observation(probedContainer(liveness: probe)))
        var worker = ProbeManager.WorkerState()
        script.exitCode.withLock { $0 = 1 }
        _ = await manager.step(key(.liveness), probe: probe, host: host, worker: &worker)
        #expect(manager.result(.liveness, podUID: "uid-1", container: "main", containerID: "c1") == true)
        _ = await manager.step(key(.liveness), probe: probe, host: host, worker: &worker)
        #expect(manager.result(.liveness, podUID: "uid-1", container: "main", containerID: "c1") == true)
        _ = await manager.step(key(.liveness), probe: probe, host: host, worker: &worker)
        #expect(manager.result(.liveness, podUID: "uid-1", container: "main", containerID: "c1") == false)
        #expect(manager.failedProbe(of: probedContainer(liveness: probe), podUID: "uid-1", containerID: "c1") == .liveness)
        #expect(host.events.withLock { $0 } == Array(repeating: "Warning Unhealthy main: Liveness probe failed: out", count: 3))
        // Held: no more attempts until the container is replaced.
        _ = await manager.step(key(.liveness), probe: probe, host: host, worker: &worker)
        #expect(script.runs.withLock { $0 } == 3)
        // A new instance starts over with a passing liveness.
        host.observation.withLock { $0 = observation(probedContainer(liveness: probe), id: "c2") }
        script.exitCode.withLock { $0 = 0 }
        _ = await manager.step(key(.liveness), probe: probe, host: host, worker: &worker)
        #expect(script.runs.withLock { $0 } == 4)
        #expect(manager.result(.liveness, podUID: "uid-1", container: "main", containerID: "c2") == true)
        #expect(manager.failedProbe(of: probedContainer(liveness: probe), podUID: "uid-1", containerID: "c2") == nil)
    }

    @Test func readinessStartsFailingAndFlipsAfterTheThresholds() async {
        let probe = execProbe(success: 2, failure: 1)
        let container = probedContainer(readiness: probe)
        let host = FakeProbeHost(observation(container))
        var worker = ProbeManager.WorkerState()
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(manager.health(of: container, podUID: "uid-1", containerID: "c1") == ContainerHealth(started: true, ready: false))
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(manager.health(of: container, podUID: "uid-1", containerID: "c1") == ContainerHealth(started: true, ready: true))
        let changesWhenReady = host.changes.withLock { $0 }
        script.exitCode.withLock { $0 = 1 }
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(manager.health(of: container, podUID: "uid-1", containerID: "c1") == ContainerHealth(started: true, ready: false))
        #expect(host.changes.withLock { $0 } == changesWhenReady + 1)
        // A failing readiness probe never asks for a kill.
        #expect(manager.failedProbe(of: container, podUID: "uid-1", containerID: "c1") == nil)
        #expect(host.events.withLock { $0 } == ["Warning Unhealthy main: Readiness probe failed: out"])
    }

    @Test func nothingIsProbedBeforeTheInitialDelay() async {
        let probe = execProbe(initialDelay: 15)
        let host = FakeProbeHost(observation(probedContainer(readiness: probe)))
        var worker = ProbeManager.WorkerState()
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        manual.advance(by: .seconds(14))
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(script.runs.withLock { $0 } == 0)
        manual.advance(by: .seconds(1))
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(script.runs.withLock { $0 } == 1)
        #expect(manager.result(.readiness, podUID: "uid-1", container: "main", containerID: "c1") == true)
    }

    @Test func startupGatesLivenessAndReadinessThenStops() async {
        let startup = execProbe(["started"], failure: 30)
        let readiness = execProbe(["ready"])
        let container = probedContainer(startup: startup, readiness: readiness)
        let host = FakeProbeHost(observation(container))
        var startupWorker = ProbeManager.WorkerState()
        var readinessWorker = ProbeManager.WorkerState()
        script.exitCode.withLock { $0 = 1 }
        _ = await manager.step(key(.startup), probe: startup, host: host, worker: &startupWorker)
        _ = await manager.step(key(.readiness), probe: readiness, host: host, worker: &readinessWorker)
        #expect(script.runs.withLock { $0 } == 1)  // the readiness probe waited
        #expect(manager.health(of: container, podUID: "uid-1", containerID: "c1") == ContainerHealth(started: false, ready: false))
        script.exitCode.withLock { $0 = 0 }
        _ = await manager.step(key(.startup), probe: startup, host: host, worker: &startupWorker)
        #expect(manager.health(of: container, podUID: "uid-1", containerID: "c1") == ContainerHealth(started: true, ready: false))
        _ = await manager.step(key(.readiness), probe: readiness, host: host, worker: &readinessWorker)
        #expect(manager.health(of: container, podUID: "uid-1", containerID: "c1") == ContainerHealth(started: true, ready: true))
        // Started: the startup probe does not run again.
        _ = await manager.step(key(.startup), probe: startup, host: host, worker: &startupWorker)
        #expect(script.runs.withLock { $0 } == 3)
    }

    @Test func aFailedStartupProbeAsksForAKill() async {
        let startup = execProbe(failure: 2)
        let container = probedContainer(startup: startup, liveness: execProbe())
        let host = FakeProbeHost(observation(container))
        var worker = ProbeManager.WorkerState()
        script.exitCode.withLock { $0 = 1 }
        _ = await manager.step(key(.startup), probe: startup, host: host, worker: &worker)
        #expect(manager.failedProbe(of: container, podUID: "uid-1", containerID: "c1") == nil)
        _ = await manager.step(key(.startup), probe: startup, host: host, worker: &worker)
        #expect(manager.failedProbe(of: container, podUID: "uid-1", containerID: "c1") == .startup)
    }

    @Test func aStoppedContainerIsNotReady() async {
        let probe = execProbe()
        let container = probedContainer(readiness: probe)
        let host = FakeProbeHost(observation(container))
        var worker = ProbeManager.WorkerState()
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(manager.result(.readiness, podUID: "uid-1", container: "main", containerID: "c1") == true)
        host.observation.withLock { $0 = observation(container, state: .exited) }
        _ = await manager.step(key(.readiness), probe: probe, host: host, worker: &worker)
        #expect(manager.result(.readiness, podUID: "uid-1", container: "main", containerID: "c1") == false)
        #expect(script.runs.withLock { $0 } == 1)
    }

    @Test func aWorkerProbesEveryPeriodOnTheClockAndEndsWithItsPod() async throws {
        let probe = execProbe(period: 10)
        let container = probedContainer(liveness: probe)
        let host = FakeProbeHost(observation(container))
        var pod = makePod()
        pod.spec?.containers = [container]
        manager.ensureWorkers(for: pod, host: host)
        manager.ensureWorkers(for: pod, host: host)
        #expect(manager.workerCount == 1)
        try await eventually("the first probe") { script.runs.withLock { $0 } == 1 && manual.sleeperCount == 1 }
        manual.advance(by: .seconds(9))
        #expect(script.runs.withLock { $0 } == 1)
        manual.advance(by: .seconds(1))
        try await eventually("the second probe") { script.runs.withLock { $0 } == 2 && manual.sleeperCount == 1 }
        manual.advance(by: .seconds(10))
        try await eventually("the third probe") { script.runs.withLock { $0 } == 3 && manual.sleeperCount == 1 }
        host.observation.withLock { $0 = nil }
        manual.advance(by: .seconds(10))
        try await eventually("the worker to end") { manager.workerCount == 0 }
        #expect(script.runs.withLock { $0 } == 3)
    }

    @Test func stoppingAPodsWorkersForgetsItsResults() async throws {
        let probe = execProbe()
        let container = probedContainer(readiness: probe)
        var pod = makePod()
        pod.spec?.containers = [container]
        let host = FakeProbeHost(observation(container))
        manager.ensureWorkers(for: pod, host: host)
        try await eventually("a readiness result") {
            manager.result(.readiness, podUID: "uid-1", container: "main", containerID: "c1") == true
        }
        manager.stopWorkers(podUID: "uid-1")
        #expect(manager.workerCount == 0)
        #expect(manager.result(.readiness, podUID: "uid-1", container: "main", containerID: "c1") == nil)
        // Once the kubelet stops, no worker starts again.
        manager.stopAll()
        manager.ensureWorkers(for: pod, host: host)
        #expect(manager.workerCount == 0)
    }
}
