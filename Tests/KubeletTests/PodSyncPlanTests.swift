import KubeAPI
import Testing
@testable import Kubelet

@Suite("Pod sync plan and restart back-off")
struct PodSyncPlanTests {
    let policy = RestartBackoff()

    @Test(arguments: [
        (0, Duration.zero, Duration.zero), (1, .zero, .seconds(10)), (2, .zero, .seconds(20)), (3, .zero, .seconds(40)),
        (5, .zero, .seconds(160)), (6, .zero, .seconds(300)), (40, .zero, .seconds(300)), (4, .seconds(600), .zero),
    ])
    func backoffDoublesUpToTheMaximum(restarts: Int, lastRun: Duration, expected: Duration) {
        #expect(policy.delay(restarts: restarts, lastRun: lastRun) == expected)
    }

    @Test func aPodWithoutSandboxGetsOne() {
        let plan = PodSyncPlan.compute(pod: makePod(), runtime: PodRuntimeView(), backoff: policy, now: 0)
        #expect(plan.sandbox == .create)
        #expect(plan.start.isEmpty)
    }

    @Test func everyRegularContainerStartsOnceTheSandboxIsReady() {
        let plan = PodSyncPlan.compute(pod: makePod(containers: ["a", "b"]), runtime: PodRuntimeView(sandbox: readySandbox()), backoff: policy, now: 0)
        #expect(plan.sandbox == .keep)
        #expect(plan.start.map(\.name) == ["a", "b"])
        #expect(plan.start.allSatisfy { !$0.isInit && $0.attempt == 0 })
    }

    @Test func initContainersRunOneAtATimeToCompletion() {
        let pod = makePod(containers: ["main"], initContainers: ["one", "two"])
        var view = PodRuntimeView(sandbox: readySandbox())
        #expect(PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 0).start.map(\.name) == ["one"])
        view.containers = [runtimeContainer("one", state: .running)]
        #expect(PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 0).start.isEmpty)
        view.containers = [runtimeContainer("one", state: .exited, finished: 101)]
        #expect(PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 0).start.map(\.name) == ["two"])
        view.containers.append(runtimeContainer("two", state: .exited, finished: 102))
        #expect(PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 0).start.map(\.name) == ["main"])
    }

    @Test func aSidecarOnlyNeedsToHaveStarted() {
        let pod = makePod(containers: ["main"], sidecars: ["proxy"])
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("proxy", state: .running)])
        #expect(PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 0).start.map(\.name) == ["main"])
    }

    @Test(arguments: [("Never", true), ("OnFailure", false), ("Always", false)])
    func aFailedInitContainerFailsANeverPodOrIsRetried(restartPolicy: String, fails: Bool) {
        let pod = makePod(restartPolicy: restartPolicy, initContainers: ["setup"])
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("setup", state: .exited, finished: 101, exitCode: 2)])
        let plan = PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 101 * second)
        if fails {
            #expect(plan.terminalPhase == "Failed")
            #expect(plan.sandbox == .stop)
        } else {
            #expect(plan.terminalPhase == nil)
            #expect(plan.start == [PodSyncPlan.Start(name: "setup", isInit: true, attempt: 1)])
        }
    }

    @Test(arguments: [
        ("Always", 0, "restart"), ("Always", 1, "restart"), ("OnFailure", 1, "restart"), ("OnFailure", 0, "Succeeded"),
        ("Never", 0, "Succeeded"), ("Never", 1, "Failed"),
    ])
    func anExitedContainerFollowsTheRestartPolicy(restartPolicy: String, exitCode: Int, outcome: String) {
        let pod = makePod(restartPolicy: restartPolicy)
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("main", state: .exited, finished: 101, exitCode: exitCode)])
        let plan = PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 101 * second)
        if outcome == "restart" {
            #expect(plan.start == [PodSyncPlan.Start(name: "main", isInit: false, attempt: 1)])
            #expect(plan.terminalPhase == nil)
        } else {
            #expect(plan.terminalPhase == outcome)
            #expect(plan.sandbox == .stop)
            #expect(plan.start.isEmpty)
        }
    }

    @Test func aSecondCrashWaitsForTheBackoff() {
        let pod = makePod(restartPolicy: "Always")
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [
            runtimeContainer("main", attempt: 0, state: .exited, started: 100, finished: 101, exitCode: 1),
            runtimeContainer("main", attempt: 1, state: .exited, started: 102, finished: 103, exitCode: 1),
        ])
        let waiting = PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 105 * second)
        #expect(waiting.start.isEmpty)
        #expect(waiting.backoff["main"] == PodSyncPlan.Backoff(delay: .seconds(10), notBefore: 113 * second))
        #expect(waiting.requeueAt == 113 * second)
        let due = PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: 113 * second)
        #expect(due.start == [PodSyncPlan.Start(name: "main", isInit: false, attempt: 2)])
    }

    @Test func aTerminalPodOnlyStopsItsSandbox() {
        let pod = makePod(restartPolicy: "Always", phase: "Failed")
        let plan = PodSyncPlan.compute(pod: pod, runtime: PodRuntimeView(sandbox: readySandbox()), backoff: policy, now: 0)
        #expect(plan.sandbox == .stop)
        #expect(plan.start.isEmpty)
        let stopped = PodSyncPlan.compute(pod: pod, runtime: PodRuntimeView(sandbox: readySandbox(state: .notReady)), backoff: policy, now: 0)
        #expect(!stopped.hasActions)
    }
}
