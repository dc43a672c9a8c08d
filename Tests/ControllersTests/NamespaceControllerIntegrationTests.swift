import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Namespace controller against an API server", .timeLimit(.minutes(2)))
struct NamespaceControllerIntegrationTests {
    @Test
    func deletesContentThenFinalizes() async throws {
        try await withControllers({ [NamespaceController(context: $0, recheckDelay: .milliseconds(50))] }) { _, client in
            let namespaces = client.resource(CoreV1.Namespace.self)
            let created = try await namespaces.create(CoreV1.Namespace(metadata: .init(name: "doomed")))
            #expect(created.spec?.finalizers == ["kubernetes"])
            let maps = client.resource(CoreV1.ConfigMap.self)
            _ = try await maps.create(CoreV1.ConfigMap(metadata: .init(name: "plain", namespace: "doomed")))
            _ = try await maps.create(CoreV1.ConfigMap(metadata: .init(finalizers: ["example.com/hold"], name: "held", namespace: "doomed")))
            _ = try await client.resource(CoreV1.Secret.self).create(CoreV1.Secret(metadata: .init(name: "s", namespace: "doomed")))
            _ = try await client.resource(CoreV1.Pod.self).create(testPod("p", namespace: "doomed"))

            try await namespaces.delete("doomed")
            try await eventually("content remaining reported") {
                let ns = try await namespaces.get("doomed")
                let remaining = ns.status?.conditions?.first { $0.type == "NamespaceContentRemaining" }
                let finalizers = ns.status?.conditions?.first { $0.type == "NamespaceFinalizersRemaining" }
                return ns.status?.phase == "Terminating" && remaining?.status == "True"
                    && remaining?.message == "Some resources are remaining: configmaps. has 1 resource instances"
                    && finalizers?.status == "True"
            }
            #expect(await isGone(maps, "plain", namespace: "doomed"))
            #expect(await isGone(client.resource(CoreV1.Pod.self), "p", namespace: "doomed"))
            // Releasing the held object lets the namespace go.
            _ = try await maps.patch("held", namespace: "doomed", type: .merge, body: ["metadata": ["finalizers": .null]])
            try await eventually("namespace deleted") { await isGone(namespaces, "doomed") }
        }
    }
}
