@testable import ContainerRuntime
import Kubelet
import Testing

@Suite("ContainerEventHub")
struct ContainerEventHubTests {
    let pod = CRI.PodSandboxMetadata(name: "web", namespace: "default", uid: "u1")

    @Test func publishesEachStepOnceInOrderAndFillsGaps() async {
        let hub = ContainerEventHub()
        let stream = hub.subscribe()
        hub.publish(containerID: "c1", sandboxID: "s1", pod: pod, reached: .created, at: 1)
        hub.publish(containerID: "c1", sandboxID: "s1", pod: pod, reached: .created, at: 2)  // again: nothing
        hub.publish(containerID: "c1", sandboxID: "s1", pod: pod, reached: .stopped, at: 3)  // skips started
        hub.advance(containerID: "c1", to: .started, at: 4)  // behind: nothing
        hub.advance(containerID: "c1", to: .deleted, at: 5)
        hub.publish(containerID: "c1", sandboxID: "s1", pod: pod, reached: .started, at: 6)  // deleted: nothing
        hub.finish()
        var seen: [CRI.ContainerEvent] = []
        for await event in stream { seen.append(event) }
        #expect(seen.map(\.type) == [.created, .started, .stopped, .deleted])
        #expect(seen.map(\.createdAt) == [1, 3, 3, 5])
        #expect(seen.allSatisfy { $0.podSandboxID == "s1" && $0.pod == pod && $0.containerID == "c1" })
    }

    @Test func baselineIsSilentAndVanishedRespectsTheMark() async {
        let hub = ContainerEventHub()
        let stream = hub.subscribe()
        hub.baseline([(id: "old", sandboxID: "s1", pod: pod, reached: .started)])
        let mark = hub.sequence
        hub.publish(containerID: "new", sandboxID: "s1", pod: pod, reached: .created, at: 1)
        // A listing taken at `mark` shows neither: only the old one counts as gone.
        #expect(hub.vanished(notIn: [], unchangedSince: mark) == ["old"])
        hub.advance(containerID: "old", to: .deleted, at: 2)
        hub.finish()
        var seen: [String] = []
        for await event in stream { seen.append("\(event.containerID) \(event.type.rawValue)") }
        #expect(seen == ["new CONTAINER_CREATED_EVENT", "old CONTAINER_STOPPED_EVENT", "old CONTAINER_DELETED_EVENT"])
    }

    @Test func aSubscriptionAfterFinishEndsAtOnce() async {
        let hub = ContainerEventHub()
        hub.finish()
        var count = 0
        for await _ in hub.subscribe() { count += 1 }
        #expect(count == 0)
    }
}
