import ClusterTesting
import Controllers
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

    @Test func orphanedAndUnscheduledTerminating() {
        let pods = [Self.pod("on-live", node: "n1"), Self.pod("on-gone", node: "gone"), Self.pod("pending"), Self.pod("stuck", terminating: true)]
        #expect(PodGCDecision.orphaned(pods, nodeExists: { $0 == "n1" }).compactMap(\.metadata.name) == ["on-gone"])
        #expect(PodGCDecision.unscheduledTerminating(pods).compactMap(\.metadata.name) == ["stuck"])
    }

    @Test(.timeLimit(.minutes(2)))
    func collectsAgainstAnAPIServer() async throws {
        try await withControllers({ [PodGCController(context: $0, period: .milliseconds(50), terminatedThreshold: 1)] }) { _, client in
            _ = try await client.resource(CoreV1.Node.self).create(CoreV1.Node(metadata: .init(name: "n1")))
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(testPod("on-live", node: "n1"))
            _ = try await pods.create(testPod("on-ghost", node: "ghost"))
            for name in ["done-1", "done-2"] {
                _ = try await pods.create(testPod(name))
                try await setPodStatus(client, name, ip: nil, ready: false, phase: "Succeeded")
            }
            try await eventually("orphan force-deleted") { await isGone(pods, "on-ghost", namespace: "default") }
            try await eventually("one finished pod collected") {
                let names = try await pods.list(namespace: "default").items.compactMap(\.metadata.name)
                return names.filter { $0.hasPrefix("done-") }.count == 1
            }
            #expect(try await pods.get("on-live", namespace: "default").metadata.deletionTimestamp == nil)
        }
    }
}
