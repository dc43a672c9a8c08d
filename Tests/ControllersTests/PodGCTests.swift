import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Pod garbage collector")
struct PodGCTests {
    static func pod(_ name: String, phase: String? = nil, node: String? = nil, created: Int64 = 0, terminating: Bool = false) -> CoreV1.Pod {
        var pod = testPod(name, node: node)
        pod.metadata.creationTimestamp = Time(secondsSinceEpoch: created)
        if terminating { pod.metadata.deletionTimestamp = Time(secondsSinceEpoch: created + 1) }
        if let phase { pod.status = CoreV1.PodStatus(phase: phase) }
        return pod
    }

    @Test(arguments: [(2, ["a", "b"]), (4, []), (0, []), (3, ["a"])])
    func oldestTerminatedBeyondThreshold(threshold: Int, expected: [String]) {
        let pods = [
            Self.pod("c", phase: "Failed", created: 3), Self.pod("a", phase: "Succeeded", created: 1),
            Self.pod("d", phase: "Succeeded", created: 4), Self.pod("b", phase: "Failed", created: 2),
            Self.pod("running", phase: "Running", created: 0),
        ]
        #expect(PodGCDecision.terminatedToDelete(pods, threshold: threshold).compactMap(\.metadata.name) == expected)
    }

    @Test func aMissingNodeIsQuarantinedBeforeItsPodsAreCandidates() {
        var quarantine = NodeQuarantine(duration: .seconds(40))
        let start = ContinuousClock.now
        #expect(quarantine.expired(missing: ["gone", "late"], now: start).isEmpty)
        #expect(quarantine.expired(missing: ["gone", "late"], now: start + .seconds(39)).isEmpty)
        // "late" reappears (it was only slow to reach the cache): it leaves quarantine.
        #expect(quarantine.expired(missing: ["gone"], now: start + .seconds(40)) == ["gone"])
        // Missing again later, it starts a new quarantine rather than resuming the old one.
        #expect(quarantine.expired(missing: ["gone", "late"], now: start + .seconds(60)) == ["gone"])
        #expect(quarantine.expired(missing: ["gone", "late"], now: start + .seconds(100)) == ["gone", "late"])
        var none = NodeQuarantine(duration: .zero)
        #expect(none.expired(missing: ["x"], now: start) == ["x"])
    }

    @Test func orphanedAndUnscheduledTerminating() {
        let pods = [Self.pod("on-live", node: "n1"), Self.pod("on-gone", node: "gone"), Self.pod("pending"), Self.pod("stuck", terminating: true)]
        #expect(PodGCDecision.orphaned(pods, nodeExists: { $0 == "n1" }).compactMap(\.metadata.name) == ["on-gone"])
        #expect(PodGCDecision.unscheduledTerminating(pods).compactMap(\.metadata.name) == ["stuck"])
    }
}
