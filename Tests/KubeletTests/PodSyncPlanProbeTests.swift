import KubeAPI
import Testing
@testable import Kubelet

@Suite("PodSyncPlan with probe results")
struct PodSyncPlanProbeTests {
    @Test func aSidecarWhoseStartupProbeHasNotPassedHoldsTheRest() {
        let pod = makePod(containers: ["main"], initContainers: ["later"], sidecars: ["proxy"])
        var spec = pod
        // Sidecars come first in this pod: proxy, then the init container `later`.
        spec.spec?.initContainers = [
            CoreV1.Container(image: "envoy", name: "proxy", restartPolicy: "Always"), CoreV1.Container(image: "busybox", name: "later"),
        ]
        let view = PodRuntimeView(sandbox: readySandbox(), containers: [runtimeContainer("proxy", state: .running, id: "p1")])
        let waiting = PodSyncPlan.compute(
            pod: spec, runtime: view, backoff: RestartBackoff(), now: 0, health: ["p1": ContainerHealth(started: false, ready: false)])
        #expect(waiting.start.isEmpty)
        let started = PodSyncPlan.compute(
            pod: spec, runtime: view, backoff: RestartBackoff(), now: 0, health: ["p1": ContainerHealth(started: true, ready: false)])
        #expect(started.start.map(\.name) == ["later"])
        // No probe information: running is enough.
        #expect(PodSyncPlan.compute(pod: spec, runtime: view, backoff: RestartBackoff(), now: 0).start.map(\.name) == ["later"])
    }
}
