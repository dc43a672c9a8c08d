import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Synchronization
import Testing
@testable import Kubelet

/// Exec results scripted per pod: the annotation `test.k3s.io/exec` maps a command's first word
/// to an exit code (`check=1,setup=0`); every exec is recorded as `CONTAINER: COMMAND`.
final class ExecLog: Sendable {
    static let annotation = "test.k3s.io/exec"
    let calls = Mutex<[String]>([])
    /// Exit codes by command word that take precedence over the annotation.
    let overrides = Mutex<[String: Int]>([:])

    var configuration: FakeRuntimeClient.Configuration {
        FakeRuntimeClient.Configuration(execSync: { container, annotations, command in
            self.calls.withLock { $0.append("\(container): \(command.joined(separator: " "))") }
            var codes: [String: Int] = [:]
            for entry in (annotations[Self.annotation] ?? "").split(separator: ",") {
                let parts = entry.split(separator: "=")
                if parts.count == 2, let code = Int(parts[1]) { codes[String(parts[0])] = code }
            }
            let word = command.first ?? ""
            let code = self.overrides.withLock { $0[word] } ?? codes[word] ?? 0
            return CRI.ExecSyncResult(stdout: bytes(code == 0 ? "" : "\(command.first ?? "") failed"), exitCode: code)
        })
    }
}

@Suite("Kubelet: probes, hooks, graceful termination and events", .serialized)
struct KubeletLifecycleTests {
    let logger = Logger(label: "kubelet-test", factory: { _ in SwiftLogNoOpLogHandler() })

    struct Fixture {
        var client: KubeClient
        var clock: ManualClock
        var kubelet: Kubelet
        var dialer: ScriptedDialer
        var execs: ExecLog
        var pods: ResourceClient<CoreV1.Pod> { client.resource(CoreV1.Pod.self) }

        /// The events recorded about `pod`, as `TYPE REASON [FIELDPATH]: MESSAGE`.
        func events(_ pod: String) async throws -> [String] {
            var options = ListOptions()
            options.fieldSelector = "involvedObject.name=\(pod)"
            let list = try await client.resource(CoreV1.Event.self).list(namespace: "default", options: options)
            return list.items.sorted { ($0.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, $0.metadata.name ?? "") < ($1.metadata.creationTimestamp?.secondsSinceEpoch ?? 0, $1.metadata.name ?? "") }
                .map { "\($0.type ?? "") \($0.reason ?? "") [\($0.involvedObject?.fieldPath ?? "")]: \($0.message ?? "")" }
        }

        /// Waits until an event with this reason and message exists for `pod`.
        func awaitEvent(_ pod: String, _ text: String) async throws {
            try await eventually("event \(text)", timeout: .seconds(20)) { try await events(pod).contains { $0.contains(text) } }
        }

        /// Waits until the pod satisfies `predicate`.
        func awaitPod(_ name: String, _ what: String, _ predicate: @escaping @Sendable (CoreV1.Pod) -> Bool) async throws -> CoreV1.Pod {
            try await awaitObject(pods, name, namespace: "default", what, predicate)
        }

        /// Advances the clock a second at a time (once something sleeps on it) until the pod
        /// satisfies `predicate`.
        func advanceUntil(_ name: String, _ what: String, _ predicate: @escaping @Sendable (CoreV1.Pod) -> Bool) async throws -> CoreV1.Pod {
            try await eventually(what, timeout: .seconds(30), interval: .milliseconds(50)) {
                let pod = try await pods.get(name, namespace: "default")
                if predicate(pod) { return pod }
                if clock.sleeperCount >= 3 { clock.advance(by: .seconds(1)) }
                return nil
            }
        }

        /// Advances the clock by `step` once the kubelet's loops and workers are asleep.
        func advance(_ step: Duration, sleepers: Int) async throws {
            try await eventually("\(sleepers) sleepers") { clock.sleeperCount >= sleepers }
            clock.advance(by: step)
        }
    }

    /// A started server, a kubelet on a manual clock with scripted execs (or `runtime`'s
    /// settings) and a scripted dialer; everything is stopped afterwards, even on failure.
    func withKubelet(runtime settings: FakeRuntimeClient.Configuration? = nil, _ body: (Fixture) async throws -> Void) async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let manual = ManualClock()
        let clock = KubeletClock(manual)
        let execs = ExecLog()
        let dialer = ScriptedDialer()
        let runtime = FakeRuntimeClient(configuration: settings ?? execs.configuration, clock: clock)
        let kubelet = Kubelet(
            client: client, configuration: KubeletConfiguration(nodeName: "node-a", nodeIP: "10.0.0.5", podCIDR: "10.42.5.0/24"),
            runtime: runtime, clock: clock, logger: logger, probeDialer: dialer)
        let task = Task { try await kubelet.run() }
        var failure: (any Error)?
        do {
            try await body(Fixture(client: client, clock: manual, kubelet: kubelet, dialer: dialer, execs: execs))
        } catch {
            failure = error
        }
        task.cancel()
        _ = await task.result
        await server.stop()
        if let failure { throw failure }
    }

    func pod(
        _ name: String, containers: [CoreV1.Container] = [probedContainer()], restartPolicy: String? = nil,
        annotations: [String: String]? = nil, grace: Int? = nil
    ) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(annotations: annotations, name: name, namespace: "default"),
            spec: CoreV1.PodSpec(containers: containers, nodeName: "node-a", restartPolicy: restartPolicy, terminationGracePeriodSeconds: grace))
    }

    static func condition(_ pod: CoreV1.Pod, _ type: String) -> String? {
        pod.status?.conditions?.first { $0.type == type }?.status
    }

    @Test func startingAPodRecordsPullCreateAndStartEvents() async throws {
        try await withKubelet { k in
            let containers = [probedContainer("a"), probedContainer("b")]
            _ = try await k.pods.create(pod("web", containers: containers), namespace: "default")
            _ = try await k.awaitPod("web", "web to run") { phase($0) == "Running" }
            try await k.awaitEvent("web", "Started container b")
            let events = try await k.events("web")
            #expect(events.contains("Normal Pulling [spec.containers{a}]: Pulling image \"nginx:1.27\""))
            #expect(events.contains { $0.hasPrefix("Normal Pulled [spec.containers{a}]: Successfully pulled image \"nginx:1.27\" in 0s (0s including waiting). Image size: ") })
            #expect(events.contains("Normal Pulled [spec.containers{b}]: Container image \"nginx:1.27\" already present on machine"))
            #expect(events.contains("Normal Created [spec.containers{a}]: Created container: a"))
            #expect(events.contains("Normal Started [spec.containers{a}]: Started container a"))
        }
    }

    @Test func aMissingImageRecordsFailedEvents() async throws {
        try await withKubelet(runtime: .init(missingImages: ["docker.io/library/ghost:1"])) { fixture in
            var container = probedContainer()
            container.image = "ghost:1"
            _ = try await fixture.pods.create(pod("ghost", containers: [container]), namespace: "default")
            let waiting = try await fixture.awaitPod("ghost", "ErrImagePull") { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ErrImagePull" }
            #expect(waiting.status?.containerStatuses?.first?.state?.waiting?.message?.contains("not found") == true)
            try await fixture.awaitEvent("ghost", "Error: ErrImagePull")
            let events = try await fixture.events("ghost")
            #expect(events.contains { $0.hasPrefix("Warning Failed [spec.containers{main}]: Failed to pull image \"ghost:1\": failed to pull and unpack image \"docker.io/library/ghost:1\": ") })
            // The retry fails again: ImagePullBackOff.
            try await fixture.advance(.seconds(10), sleepers: 2)
            _ = try await fixture.awaitPod("ghost", "ImagePullBackOff") { $0.status?.containerStatuses?.first?.state?.waiting?.reason == "ImagePullBackOff" }
            try await fixture.awaitEvent("ghost", "Error: ImagePullBackOff")
            #expect(try await fixture.events("ghost").contains("Normal BackOff [spec.containers{main}]: Back-off pulling image \"ghost:1\""))
        }
    }

    @Test func readinessGatesReadyAndFlipsWithTheProbe() async throws {
        try await withKubelet { k in
            k.dialer.update { $0.http = { _ in HTTPProbeResponse(statusCode: 500) } }
            let container = probedContainer(readiness: httpProbe(period: 5, failure: 1))
            _ = try await k.pods.create(pod("web", containers: [container]), namespace: "default")
            let running = try await k.awaitPod("web", "web running") { phase($0) == "Running" }
            #expect(running.status?.containerStatuses?.first?.ready == false)
            #expect(Self.condition(running, "Ready") == "False")
            #expect(Self.condition(running, "ContainersReady") == "False")
            try await k.awaitEvent("web", "Readiness probe failed: HTTP probe failed with statuscode: 500")
            #expect(try await k.events("web").contains("Warning Unhealthy [spec.containers{main}]: Readiness probe failed: HTTP probe failed with statuscode: 500"))
            #expect(k.dialer.calls.first == "http http://\(running.status?.podIP ?? ""):8080/healthz")

            k.dialer.update { $0.http = { _ in HTTPProbeResponse(statusCode: 200) } }
            try await k.advance(.seconds(5), sleepers: 3)
            let ready = try await k.awaitPod("web", "web ready") { Self.condition($0, "Ready") == "True" }
            #expect(ready.status?.containerStatuses?.first?.ready == true)
            #expect(Self.condition(ready, "ContainersReady") == "True")

            k.dialer.update { $0.http = { _ in HTTPProbeResponse(statusCode: 503) } }
            try await k.advance(.seconds(5), sleepers: 3)
            let unready = try await k.awaitPod("web", "web unready again") { Self.condition($0, "Ready") == "False" }
            #expect(unready.status?.containerStatuses?.first?.restartCount == 0)
        }
    }

    @Test func aFailingLivenessProbeRestartsTheContainer() async throws {
        try await withKubelet { k in
            let container = probedContainer(liveness: execProbe(["check"], period: 10, failure: 2, grace: 3))
            _ = try await k.pods.create(
                pod("sick", containers: [container], annotations: [ExecLog.annotation: "check=1"]), namespace: "default")
            _ = try await k.awaitPod("sick", "sick running") { phase($0) == "Running" }
            try await k.awaitEvent("sick", "Liveness probe failed: check failed")
            try await k.advance(.seconds(10), sleepers: 3)
            let restarted = try await k.awaitPod("sick", "a restart") { $0.status?.containerStatuses?.first?.restartCount == 1 }
            let main = try #require(restarted.status?.containerStatuses?.first)
            #expect(main.state?.running != nil)
            #expect(main.lastState?.terminated?.exitCode == 0)
            #expect(main.lastState?.terminated?.reason == "Completed")
            let events = try await k.events("sick")
            #expect(events.contains("Normal Killing [spec.containers{main}]: Container main failed liveness probe, will be restarted"))
            #expect(events.contains { $0.hasPrefix("Warning Unhealthy [spec.containers{main}]: Liveness probe failed: check failed") })
            #expect(k.execs.calls.withLock { $0 }.allSatisfy { $0 == "main: check" })
        }
    }

    @Test func aLivenessKillWaitsOnlyTheProbesGracePeriod() async throws {
        try await withKubelet { k in
            let container = probedContainer(liveness: execProbe(["check"], period: 10, failure: 1, grace: 3))
            let annotations = [ExecLog.annotation: "check=1", HollowBehavior.stopAnnotation: "main=60s"]
            _ = try await k.pods.create(pod("stubborn", containers: [container], annotations: annotations, grace: 30), namespace: "default")
            try await k.awaitEvent("stubborn", "Container main failed liveness probe, will be restarted")
            // The runtime gets the probe's 3 s (not the pod's 30 s), then kills the container.
            let restarted = try await k.advanceUntil("stubborn", "a restart") { $0.status?.containerStatuses?.first?.restartCount == 1 }
            #expect(k.clock.now.offset <= .seconds(4))
            let last = restarted.status?.containerStatuses?.first?.lastState?.terminated
            #expect(last?.exitCode == 137)
            #expect(last?.reason == "Error")
        }
    }

    @Test func aLivenessFailureUnderNeverFailsThePod() async throws {
        try await withKubelet { k in
            let container = probedContainer(liveness: execProbe(["check"], period: 10, failure: 1, grace: 1))
            // A hollow container of a Never pod would exit by itself after a second: make it run.
            let annotations = [
                ExecLog.annotation: "check=1", HollowBehavior.stopAnnotation: "main=60s", HollowBehavior.runAnnotation: "main=forever",
            ]
            _ = try await k.pods.create(
                pod("once", containers: [container], restartPolicy: "Never", annotations: annotations), namespace: "default")
            try await k.awaitEvent("once", "Container main failed liveness probe")
            let failed = try await k.advanceUntil("once", "once to fail") { phase($0) == "Failed" }
            #expect(failed.status?.containerStatuses?.first?.restartCount == 0)
            #expect(failed.status?.containerStatuses?.first?.state?.terminated?.exitCode == 137)
            #expect(try await k.events("once").contains("Normal Killing [spec.containers{main}]: Container main failed liveness probe"))
        }
    }

    @Test func aStartupProbeHoldsStartedAndReadyUntilItPasses() async throws {
        try await withKubelet { k in
            let container = probedContainer(startup: execProbe(["boot"], period: 1, failure: 30), readiness: execProbe(["ready"], period: 1))
            _ = try await k.pods.create(
                pod("slow", containers: [container], annotations: [ExecLog.annotation: "boot=1"]), namespace: "default")
            let running = try await k.awaitPod("slow", "slow running") { phase($0) == "Running" }
            #expect(running.status?.containerStatuses?.first?.started == false)
            #expect(running.status?.containerStatuses?.first?.ready == false)
            try await k.awaitEvent("slow", "Startup probe failed: boot failed")
            // The readiness probe never ran while the startup probe failed.
            #expect(!k.execs.calls.withLock { $0 }.contains("main: ready"))
            k.execs.overrides.withLock { $0["boot"] = 0 }
            try await k.advance(.seconds(1), sleepers: 4)
            _ = try await k.awaitPod("slow", "slow started") { $0.status?.containerStatuses?.first?.started == true }
            // The readiness probe runs from the next period on (or in this one, after the startup probe).
            try await k.advance(.seconds(1), sleepers: 4)
            let ready = try await k.awaitPod("slow", "slow ready") { Self.condition($0, "Ready") == "True" }
            #expect(ready.status?.containerStatuses?.first?.started == true)
            #expect(k.execs.calls.withLock { $0 }.contains("main: ready"))
        }
    }

    @Test func aSidecarsStartupProbeHoldsTheMainContainer() async throws {
        try await withKubelet { k in
            var proxy = probedContainer("proxy", startup: execProbe(["boot"], period: 1, failure: 30))
            proxy.restartPolicy = "Always"
            var spec = pod("meshed", annotations: [ExecLog.annotation: "boot=1"])
            spec.spec?.initContainers = [proxy]
            _ = try await k.pods.create(spec, namespace: "default")
            try await k.awaitEvent("meshed", "Startup probe failed: boot failed")
            // The event can arrive before the status write that follows the probe result.
            let held = try await k.awaitPod("meshed", "main held in PodInitializing") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "PodInitializing"
            }
            #expect(held.status?.containerStatuses?.first?.state?.running == nil, "the main container must not start")
            #expect(Self.condition(held, "Initialized") == "False")
            k.execs.overrides.withLock { $0["boot"] = 0 }
            let running = try await k.advanceUntil("meshed", "main to run") { $0.status?.containerStatuses?.first?.state?.running != nil }
            #expect(Self.condition(running, "Initialized") == "True")
            #expect(running.status?.initContainerStatuses?.first?.started == true)
        }
    }

    @Test func aFailingPostStartHookKillsTheContainer() async throws {
        try await withKubelet { k in
            let hook = CoreV1.Lifecycle(postStart: CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["setup"])))
            let container = probedContainer(lifecycle: hook)
            _ = try await k.pods.create(
                pod("hooked", containers: [container], annotations: [ExecLog.annotation: "setup=1"]), namespace: "default")
            try await k.awaitEvent("hooked", "FailedPostStartHook")
            let events = try await k.events("hooked")
            #expect(events.contains("Warning FailedPostStartHook [spec.containers{main}]: Exec lifecycle hook ([setup]) for Container \"main\" in Pod \"hooked_default(\(try await k.pods.get("hooked", namespace: "default").metadata.uid ?? ""))\" failed - error: command 'setup' exited with 1: setup failed, message: \"setup failed\""))
            #expect(events.contains("Normal Killing [spec.containers{main}]: FailedPostStartHook"))
            let backedOff = try await k.awaitPod("hooked", "crash loop") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff"
            }
            #expect(backedOff.status?.containerStatuses?.first?.restartCount == 1)
            try await k.awaitEvent("hooked", "Back-off restarting failed container main in pod hooked_default(")
        }
    }

    @Test func aSucceedingPostStartHookRunsAfterStart() async throws {
        try await withKubelet { k in
            let hook = CoreV1.Lifecycle(postStart: CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["setup"])))
            _ = try await k.pods.create(pod("hooked", containers: [probedContainer(lifecycle: hook)]), namespace: "default")
            let running = try await k.awaitPod("hooked", "hooked running") { phase($0) == "Running" }
            #expect(running.status?.containerStatuses?.first?.ready == true)
            #expect(k.execs.calls.withLock { $0 } == ["main: setup"])
            #expect(!(try await k.events("hooked")).contains { $0.contains("FailedPostStartHook") })
        }
    }

    @Test func deletionRunsPreStopWithinTheGracePeriodThenStops() async throws {
        try await withKubelet { k in
            let hook = CoreV1.Lifecycle(preStop: CoreV1.LifecycleHandler(sleep: CoreV1.SleepAction(seconds: 5)))
            let annotations = [HollowBehavior.stopAnnotation: "main=60s"]
            _ = try await k.pods.create(
                pod("graceful", containers: [probedContainer(lifecycle: hook)], annotations: annotations, grace: 20), namespace: "default")
            let running = try await k.awaitPod("graceful", "graceful running") { phase($0) == "Running" }
            // Follow the pod to its deletion, keeping the last status it showed.
            var options = ListOptions()
            options.fieldSelector = "metadata.name=graceful"
            options.resourceVersion = running.metadata.resourceVersion
            let watchOptions = options
            let pods = k.pods
            let watcher = Task { () throws -> CoreV1.Pod? in
                var last: CoreV1.Pod?
                for try await event in try await pods.watch(namespace: "default", options: watchOptions) {
                    if event.type == .modified { last = event.object }
                    if event.type == .deleted { return last }
                }
                return last
            }
            defer { watcher.cancel() }
            _ = try await k.pods.delete("graceful", namespace: "default")
            try await k.awaitEvent("graceful", "Stopping container main")
            // preStop sleeps 5 s, then the runtime gets the 15 s left and kills the container.
            try await k.advance(.seconds(5), sleepers: 3)
            try await k.advance(.seconds(14), sleepers: 3)
            let stillThere = try await k.pods.get("graceful", namespace: "default")
            #expect(stillThere.metadata.deletionTimestamp != nil)
            k.clock.advance(by: .seconds(1))
            try await awaitDeleted(k.pods, "graceful", namespace: "default")
            #expect(try await k.events("graceful").contains("Normal Killing [spec.containers{main}]: Stopping container main"))
            // The last status before the deletion: killed by SIGKILL when the grace ran out.
            let final = try await within("the final status") { try await watcher.value }
            let terminated = final?.status?.containerStatuses?.first?.state?.terminated
            #expect(terminated?.exitCode == 137)
            #expect(terminated?.reason == "Error")
            #expect(final?.status?.phase == "Failed")
            #expect(Self.condition(try #require(final), "PodReadyToStartContainers") == "False")
        }
    }

    @Test func aFailingPreStopHookIsReportedAndTheContainerStillStops() async throws {
        try await withKubelet { k in
            let hook = CoreV1.Lifecycle(preStop: CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["drain"])))
            _ = try await k.pods.create(
                pod("drainer", containers: [probedContainer(lifecycle: hook)], annotations: [ExecLog.annotation: "drain=3"], grace: 30),
                namespace: "default")
            _ = try await k.awaitPod("drainer", "drainer running") { phase($0) == "Running" }
            _ = try await k.pods.delete("drainer", namespace: "default")
            try await awaitDeleted(k.pods, "drainer", namespace: "default")
            #expect(k.execs.calls.withLock { $0 } == ["main: drain"])
            let events = try await k.events("drainer")
            #expect(events.contains { $0.hasPrefix("Warning FailedPreStopHook [spec.containers{main}]: Exec lifecycle hook ([drain]) for Container \"main\"") })
        }
    }

    @Test func aCrashLoopRecordsOneBackOffEventPerBackOff() async throws {
        try await withKubelet { k in
            let annotations = [HollowBehavior.runAnnotation: "main=1s:2"]
            _ = try await k.pods.create(pod("crashy", annotations: annotations), namespace: "default")
            _ = try await k.awaitPod("crashy", "crashy running") { phase($0) == "Running" }
            try await k.advance(.seconds(1), sleepers: 3)
            _ = try await k.awaitPod("crashy", "first restart") { $0.status?.containerStatuses?.first?.restartCount == 1 }
            try await k.advance(.seconds(1), sleepers: 3)
            let looping = try await k.awaitPod("crashy", "crash loop") {
                $0.status?.containerStatuses?.first?.state?.waiting?.reason == "CrashLoopBackOff"
            }
            let uid = looping.metadata.uid ?? ""
            try await k.awaitEvent("crashy", "Back-off restarting failed container main in pod crashy_default(\(uid))")
            let backoffs = try await k.events("crashy").filter { $0.contains("BackOff") }
            #expect(backoffs == ["Warning BackOff [spec.containers{main}]: Back-off restarting failed container main in pod crashy_default(\(uid))"])
            var options = ListOptions()
            options.fieldSelector = "involvedObject.name=crashy"
            let recorded = try await k.client.resource(CoreV1.Event.self).list(namespace: "default", options: options)
            #expect(recorded.items.first { $0.reason == "BackOff" }?.count == 1)
        }
    }
}
