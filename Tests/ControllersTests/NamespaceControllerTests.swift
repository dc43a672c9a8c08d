import ClusterTesting
import Controllers
import KubeAPI
import KubeClient
import Testing

@Suite("Namespace controller")
struct NamespaceControllerTests {
    @Test func reportConditions() {
        let report = NamespaceDeletionReport(remaining: ["pods.": 2, "widgets.example.com": 1], finalizersRemaining: ["example.com/hold": 1])
        #expect(!report.isComplete)
        let conditions = report.conditions(now: Time(secondsSinceEpoch: 100), previous: [])
        let byType = Dictionary(uniqueKeysWithValues: conditions.map { ($0.type ?? "", $0) })
        #expect(byType["NamespaceContentRemaining"]?.status == "True")
        #expect(byType["NamespaceContentRemaining"]?.reason == "SomeResourcesRemain")
        #expect(byType["NamespaceContentRemaining"]?.message == "Some resources are remaining: pods. has 2 resource instances, widgets.example.com has 1 resource instances")
        #expect(byType["NamespaceFinalizersRemaining"]?.message == "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances")
        #expect(byType["NamespaceDeletionContentFailure"]?.status == "False")
        #expect(byType["NamespaceDeletionDiscoveryFailure"]?.reason == "ResourcesDiscovered")
        // A condition whose status did not change keeps its transition time.
        let later = NamespaceDeletionReport().conditions(now: Time(secondsSinceEpoch: 200), previous: conditions)
        #expect(later.first { $0.type == "NamespaceDeletionContentFailure" }?.lastTransitionTime == Time(secondsSinceEpoch: 100))
        #expect(later.first { $0.type == "NamespaceContentRemaining" }?.lastTransitionTime == Time(secondsSinceEpoch: 200))
        #expect(NamespaceDeletionReport().isComplete)
    }

    @Test(.timeLimit(.minutes(2)))
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
