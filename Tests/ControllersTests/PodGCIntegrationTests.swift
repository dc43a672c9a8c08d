import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Pod garbage collector against an API server", .timeLimit(.minutes(2)))
struct PodGCIntegrationTests {
    @Test
    func collectsAgainstAnAPIServer() async throws {
        try await withControllers({ [PodGCController(context: $0, period: .milliseconds(50), terminatedThreshold: 1, quarantine: .milliseconds(200))] }) { _, client in
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
