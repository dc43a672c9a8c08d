import KubeAPI
import Testing
@testable import Kubelet

@Suite("Pod status from runtime state")
struct PodStatusBuilderTests {
    let builder = PodStatusBuilder(hostIPs: ["192.168.5.10"])
    let now = Time(secondsSinceEpoch: 200)
    let policy = RestartBackoff()

    func status(_ pod: CoreV1.Pod, _ view: PodRuntimeView, now nanos: Int64 = 150 * second) -> CoreV1.PodStatus {
        let plan = PodSyncPlan.compute(pod: pod, runtime: view, backoff: policy, now: nanos)
        return builder.status(for: pod, runtime: view, plan: plan, now: now)
    }

    func condition(_ status: CoreV1.PodStatus, _ type: String) -> CoreV1.PodCondition? {
        status.conditions?.first { $0.type == type }
    }

    @Test func aRunningPodReportsEverything() throws {
        let pod = makePod()
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("main", state: .running, id: "abc")]))
        #expect(status.phase == "Running")
        #expect(status.podIP == "10.42.0.2")
        #expect(status.podIPs == [CoreV1.PodIP(ip: "10.42.0.2")])
        #expect(status.hostIP == "192.168.5.10")
        #expect(status.hostIPs == [CoreV1.HostIP(ip: "192.168.5.10")])
        #expect(status.startTime == now)
        #expect(status.qosClass == "BestEffort")
        #expect(status.observedGeneration == 1)
        #expect(status.conditions?.map(\.type) == ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"])
        #expect(status.conditions?.allSatisfy { $0.status == "True" } == true)
        let main = try #require(status.containerStatuses?.first)
        #expect(main.name == "main")
        #expect(main.ready == true)
        #expect(main.started == true)
        #expect(main.restartCount == 0)
        #expect(main.containerID == "containerd://abc")
        #expect(main.image == "docker.io/library/nginx:latest")
        #expect(main.imageID == "docker.io/library/nginx@sha256:abc")
        #expect(main.state?.running?.startedAt == Time(secondsSinceEpoch: 100))
    }

    @Test func containersWaitWhileTheSandboxIsMissing() throws {
        let status = status(makePod(containers: ["a", "b"]), PodRuntimeView())
        #expect(status.phase == "Pending")
        #expect(status.podIP == nil)
        #expect(status.containerStatuses?.map { $0.state?.waiting?.reason } == ["ContainerCreating", "ContainerCreating"])
        #expect(condition(status, "PodReadyToStartContainers")?.status == "False")
        #expect(condition(status, "Ready")?.reason == "ContainersNotReady")
        #expect(condition(status, "Ready")?.message == "containers with unready status: [a b]")
    }

    @Test func regularContainersWaitForInitContainers() throws {
        let pod = makePod(initContainers: ["setup"])
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("setup", state: .running)]))
        #expect(status.phase == "Pending")
        #expect(status.containerStatuses?.first?.state?.waiting?.reason == "PodInitializing")
        #expect(status.initContainerStatuses?.first?.state?.running != nil)
        #expect(condition(status, "Initialized")?.status == "False")
        #expect(condition(status, "Initialized")?.reason == "ContainersNotInitialized")
        #expect(condition(status, "Initialized")?.message == "containers with incomplete status: [setup]")
    }

    @Test(arguments: [(0, "Succeeded", "Completed", "PodCompleted"), (1, "Failed", "Error", "ContainersNotReady")])
    func aFinishedNeverPodIsTerminal(exitCode: Int, phase: String, reason: String, readyReason: String) throws {
        let pod = makePod(restartPolicy: "Never")
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(), containers: [
            runtimeContainer("main", state: .exited, finished: 101, exitCode: exitCode, id: "abc"),
        ]))
        #expect(status.phase == phase)
        let terminated = try #require(status.containerStatuses?.first?.state?.terminated)
        #expect(terminated.exitCode == exitCode)
        #expect(terminated.reason == reason)
        #expect(terminated.containerID == "containerd://abc")
        #expect(terminated.startedAt == Time(secondsSinceEpoch: 100))
        #expect(terminated.finishedAt == Time(secondsSinceEpoch: 101))
        #expect(condition(status, "Ready")?.status == "False")
        #expect(condition(status, "Ready")?.reason == readyReason)
        #expect(status.containerStatuses?.first?.ready == false)
    }

    @Test func aCrashLoopShowsTheBackoffAndTheLastTermination() throws {
        let pod = makePod(restartPolicy: "Always")
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(), containers: [
            runtimeContainer("main", attempt: 0, state: .exited, started: 100, finished: 101, exitCode: 1),
            runtimeContainer("main", attempt: 1, state: .exited, started: 102, finished: 103, exitCode: 1),
        ]), now: 105 * second)
        #expect(status.phase == "Running")
        let main = try #require(status.containerStatuses?.first)
        #expect(main.restartCount == 1)
        #expect(main.state?.waiting?.reason == "CrashLoopBackOff")
        #expect(main.state?.waiting?.message == "back-off 10s restarting failed container=main pod=web_default(uid-1)")
        #expect(main.lastState?.terminated?.exitCode == 1)
        #expect(main.lastState?.terminated?.finishedAt == Time(secondsSinceEpoch: 103))
    }

    @Test func aRestartedContainerKeepsItsPreviousTermination() throws {
        let pod = makePod(restartPolicy: "Always")
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(), containers: [
            runtimeContainer("main", attempt: 0, state: .exited, started: 100, finished: 101, exitCode: 3),
            runtimeContainer("main", attempt: 1, state: .running, started: 102),
        ]))
        let main = try #require(status.containerStatuses?.first)
        #expect(main.restartCount == 1)
        #expect(main.state?.running != nil)
        #expect(main.lastState?.terminated?.exitCode == 3)
    }

    @Test func transitionTimesSurviveWhenAConditionDoesNotChange() {
        var pod = makePod()
        let old = Time(secondsSinceEpoch: 50)
        pod.status?.conditions = [
            CoreV1.PodCondition(lastTransitionTime: old, status: "True", type: "PodScheduled"),
            CoreV1.PodCondition(lastTransitionTime: old, status: "True", type: "Ready"),
            CoreV1.PodCondition(lastTransitionTime: old, status: "True", type: "DisruptionTarget"),
        ]
        pod.status?.startTime = old
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("main", state: .running)]))
        #expect(condition(status, "Ready")?.lastTransitionTime == old)
        #expect(condition(status, "PodScheduled")?.lastTransitionTime == old)
        #expect(condition(status, "ContainersReady")?.lastTransitionTime == now)
        #expect(condition(status, "DisruptionTarget") != nil)
        #expect(status.startTime == old)
    }

    @Test func hostNetworkPodsUseTheNodeIP() {
        var pod = makePod()
        pod.spec?.hostNetwork = true
        let status = status(pod, PodRuntimeView(sandbox: readySandbox(ip: nil), containers: [runtimeContainer("main", state: .running)]))
        #expect(status.podIP == "192.168.5.10")
        #expect(condition(status, "PodReadyToStartContainers")?.status == "True")
    }

    @Test(arguments: [
        ([String: String](), [String: String](), "BestEffort"),
        (["cpu": "100m"], [:], "Burstable"),
        (["cpu": "1", "memory": "1Gi"], ["cpu": "1", "memory": "1Gi"], "Guaranteed"),
        ([:], ["cpu": "1", "memory": "1Gi"], "Guaranteed"),
        (["cpu": "500m", "memory": "1Gi"], ["cpu": "1", "memory": "1Gi"], "Burstable"),
    ])
    func qosClasses(requests: [String: String], limits: [String: String], expected: String) {
        let container = CoreV1.Container(
            name: "main",
            resources: CoreV1.ResourceRequirements(
                limits: limits.isEmpty ? nil : limits.mapValues { Quantity($0) },
                requests: requests.isEmpty ? nil : requests.mapValues { Quantity($0) }))
        #expect(PodQOS.qosClass(of: CoreV1.PodSpec(containers: [container])) == expected)
    }
}
