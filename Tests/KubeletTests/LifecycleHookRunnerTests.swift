import ClusterTesting
import KubeAPI
import Synchronization
import Testing
@testable import Kubelet

@Suite("LifecycleHookRunner: exec, httpGet and sleep hooks")
struct LifecycleHookRunnerTests {
    let manual = ManualClock()

    func runner(dialer: ScriptedDialer = ScriptedDialer(), exec: @escaping Prober.Exec = { _, _, _ in CRI.ExecSyncResult() }) -> LifecycleHookRunner {
        LifecycleHookRunner(prober: Prober(exec: exec, dialer: dialer), clock: KubeletClock(manual))
    }

    func pod() -> CoreV1.Pod { makePod() }

    @Test func execSucceedsOnExitZeroAndFailsWithUpstreamsMessage() async {
        let ok = await runner().run(
            CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["touch", "/tmp/started"])), pod: pod(),
            container: probedContainer(), containerID: "c1", podIP: "10.42.0.2", timeout: .seconds(30))
        #expect(ok == nil)
        let failing = runner(exec: { _, _, _ in CRI.ExecSyncResult(stderr: bytes("no such file"), exitCode: 2) })
        let message = await failing.run(
            CoreV1.LifecycleHandler(exec: CoreV1.ExecAction(command: ["/bin/setup", "--now"])), pod: pod(),
            container: probedContainer(), containerID: "c1", podIP: "10.42.0.2", timeout: .seconds(30))
        #expect(message == "Exec lifecycle hook ([/bin/setup --now]) for Container \"main\" in Pod \"web_default(uid-1)\" failed - error: command '/bin/setup --now' exited with 2: no such file, message: \"no such file\"")
    }

    @Test func httpGetFailsOnlyWhenTheRequestFails() async {
        let dialer = ScriptedDialer(.init(http: { _ in HTTPProbeResponse(statusCode: 500) }))
        let handler = CoreV1.LifecycleHandler(httpGet: CoreV1.HTTPGetAction(path: "/shutdown", port: .int(8080)))
        #expect(await runner(dialer: dialer).run(
            handler, pod: pod(), container: probedContainer(), containerID: "c1", podIP: "10.42.0.2", timeout: .seconds(5)) == nil)
        #expect(dialer.calls == ["http http://10.42.0.2:8080/shutdown"])
        dialer.update { $0.http = { _ in throw ProbeDialError(.connect, "dial tcp 10.42.0.2:8080: connect: connection refused") } }
        let message = await runner(dialer: dialer).run(
            handler, pod: pod(), container: probedContainer(), containerID: "c1", podIP: "10.42.0.2", timeout: .seconds(5))
        #expect(message == "HTTP lifecycle hook (/shutdown) for Container \"main\" in Pod \"web_default(uid-1)\" failed - error: Get \"http://10.42.0.2:8080/shutdown\": dial tcp 10.42.0.2:8080: connect: connection refused, message: \"\"")
    }

    @Test func sleepWaitsOnTheClockBoundedByTheTimeout() async throws {
        let finished = Mutex(false)
        let hooks = runner()
        let task = Task {
            _ = await hooks.run(
                CoreV1.LifecycleHandler(sleep: CoreV1.SleepAction(seconds: 20)), pod: pod(), container: probedContainer(),
                containerID: "c1", podIP: nil, timeout: .seconds(5))
            finished.withLock { $0 = true }
        }
        try await eventually("the hook to sleep") { manual.sleeperCount == 1 }
        manual.advance(by: .seconds(4))
        #expect(finished.withLock { $0 } == false)
        manual.advance(by: .seconds(1))
        await task.value
        #expect(finished.withLock { $0 })
    }
}
