import ClusterTesting
import Synchronization
import Testing
@testable import Kubelet

@Suite("Full sync rounds")
struct PodSyncRoundsTests {
    @Test("a round ends once every pod went through a sync that started after the round began")
    func aRoundWaitsForEveryPod() async throws {
        let rounds = PodSyncRounds()
        let enqueued = Mutex(false)
        let round = Task {
            await rounds.run(pods: ["a", "b"], start: .seconds(10), now: { .seconds(13) }) { enqueued.withLock { $0 = true } }
        }
        try await eventually("the round to enqueue its pods") { enqueued.withLock { $0 } }
        // A sync already under way when the round began does not count; nor does a pod outside it.
        rounds.synced("a", startedAt: .seconds(9))
        rounds.synced("c", startedAt: .seconds(11))
        rounds.synced("b", startedAt: .seconds(11))
        #expect(rounds.figures.rounds == 0)
        rounds.synced("a", startedAt: .seconds(12))
        #expect(await round.value == .seconds(3))
        #expect(rounds.figures == PodSyncRounds.Figures(rounds: 1, total: .seconds(3), last: .seconds(3), lastPods: 2))
        // With no pods a round ends at once.
        #expect(await rounds.run(pods: [], start: .seconds(20), now: { .seconds(20) }) {} == .zero)
        #expect(rounds.figures == PodSyncRounds.Figures(rounds: 2, total: .seconds(3), last: .zero, lastPods: 0))
    }

    @Test("a cancelled round records nothing, and a sync after it changes nothing")
    func aCancelledRoundRecordsNothing() async throws {
        let rounds = PodSyncRounds()
        let enqueued = Mutex(false)
        let round = Task {
            await rounds.run(pods: ["a"], start: .seconds(1), now: { .seconds(2) }) { enqueued.withLock { $0 = true } }
        }
        try await eventually("the round to enqueue its pods") { enqueued.withLock { $0 } }
        round.cancel()
        #expect(await round.value == nil)
        rounds.synced("a", startedAt: .seconds(1))
        #expect(rounds.figures == PodSyncRounds.Figures())
    }

    @Test("the kubelet API's /metrics text counts pods, containers by state and the rounds")
    func metricsText() {
        let sandboxes = [
            CRI.PodSandbox(id: "s1", metadata: .init(name: "a", namespace: "default", uid: "u1"), state: .ready, createdAt: 1),
            CRI.PodSandbox(id: "s2", metadata: .init(name: "b", namespace: "default", uid: "u2"), state: .notReady, createdAt: 1),
        ]
        let containers = [
            CRI.Container(id: "c1", podSandboxID: "s1", metadata: .init(name: "x"), image: CRI.ImageSpec("busybox"), imageRef: "busybox", state: .running, createdAt: 1),
            CRI.Container(id: "c2", podSandboxID: "s1", metadata: .init(name: "y"), image: CRI.ImageSpec("busybox"), imageRef: "busybox", state: .exited, createdAt: 1),
            CRI.Container(id: "c3", podSandboxID: "s2", metadata: .init(name: "z"), image: CRI.ImageSpec("busybox"), imageRef: "busybox", state: .exited, createdAt: 1),
        ]
        let text = KubeletMetrics.text(
            sandboxes: sandboxes, containers: containers,
            rounds: PodSyncRounds.Figures(rounds: 2, total: .milliseconds(1500), last: .milliseconds(250), lastPods: 100))
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(samples == [
            "kubelet_running_pods 1",
            #"kubelet_running_containers{container_state="exited"} 2"#,
            #"kubelet_running_containers{container_state="running"} 1"#,
            "kubelet_pod_sync_round_duration_seconds_sum 1.5",
            "kubelet_pod_sync_round_duration_seconds_count 2",
            "kubelet_pod_sync_round_last_duration_seconds 0.25",
            "kubelet_pod_sync_round_last_pods 100",
        ])
        #expect(text.contains("# TYPE kubelet_pod_sync_round_duration_seconds summary\n"))
    }
}
