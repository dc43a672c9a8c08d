import ClusterTesting
import Controllers
import KubeAPI
import KubeClient
import Testing

@Suite("DaemonSet controller", .serialized)
struct DaemonSetControllerTests {
    static func node(_ name: String, labels: [String: String] = [:], taints: [CoreV1.Taint]? = nil) -> CoreV1.Node {
        CoreV1.Node(metadata: MetaV1.ObjectMeta(labels: labels, name: name), spec: CoreV1.NodeSpec(taints: taints))
    }

    /// What `kubectl rollout status ds/x` checks.
    static func rolledOut(_ ds: AppsV1.DaemonSet) -> Bool {
        guard let status = ds.status, (status.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0) else { return false }
        let desired = status.desiredNumberScheduled ?? 0
        return (status.updatedNumberScheduled ?? 0) >= desired && (status.numberAvailable ?? 0) >= desired
    }

    @Test func onePodPerEligibleNodeAndRollingUpdate() async throws {
        try await withAppsControllers({ [DaemonSetController(context: $0)] }) { _, client in
            let nodes = client.resource(CoreV1.Node.self)
            _ = try await nodes.create(Self.node("n1"))
            _ = try await nodes.create(Self.node("n2", taints: [CoreV1.Taint(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable")]))
            _ = try await nodes.create(Self.node("n3", taints: [CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "gpu")]))
            let sets = client.resource(AppsV1.DaemonSet.self)
            let ready = readyMaker(client, namespace: "kube-system")
            defer { ready.cancel() }
            let ds = try await sets.create(AppsV1.DaemonSet(
                metadata: MetaV1.ObjectMeta(name: "agent", namespace: "kube-system"),
                spec: AppsV1.DaemonSetSpec(selector: MetaV1.LabelSelector(matchLabels: ["app": "agent"]), template: appsTemplate(["app": "agent"]))))
            try await eventually("pods on n1 and cordoned n2 only") {
                let pods = try await activePods(client, "app=agent", namespace: "kube-system")
                return Set(pods.compactMap(DaemonPlacement.targetNode)) == ["n1", "n2"] && pods.count == 2
            }
            let pods = try await activePods(client, "app=agent", namespace: "kube-system")
            #expect(pods.allSatisfy { ($0.spec?.tolerations ?? []).contains { $0.key == "node.kubernetes.io/unschedulable" } })
            #expect(pods.allSatisfy { $0.metadata.controllerRef?.uid == ds.metadata.uid })
            let firstHash = try #require(pods.first?.metadata.labels?["controller-revision-hash"])
            try await eventually("rolled out") {
                let ds = try await sets.get("agent", namespace: "kube-system")
                return Self.rolledOut(ds) && ds.status?.desiredNumberScheduled == 2 && ds.status?.numberReady == 2
            }

            // A new eligible node gets a pod.
            _ = try await nodes.create(Self.node("n4"))
            try await eventually("pod on n4") {
                try await activePods(client, "app=agent", namespace: "kube-system").contains { DaemonPlacement.targetNode(of: $0) == "n4" }
            }

            // Template change: pods are replaced, one unavailable at a time, with a new revision.
            _ = try await sets.patch("agent", namespace: "kube-system", type: .strategicMerge, body: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.26"]]]]]])
            try await eventually("updated everywhere") {
                let ds = try await sets.get("agent", namespace: "kube-system")
                let pods = try await activePods(client, "app=agent", namespace: "kube-system")
                return Self.rolledOut(ds) && ds.status?.desiredNumberScheduled == 3 && pods.count == 3
                    && pods.allSatisfy { $0.spec?.containers?.first?.image == "nginx:1.26" && $0.metadata.labels?["controller-revision-hash"] != firstHash }
            }
            let revisions = try await client.resource(AppsV1.ControllerRevision.self).list(namespace: "kube-system").items
                .filter { $0.metadata.controllerRef?.uid == ds.metadata.uid }
            #expect(Set(revisions.compactMap(\.revision)) == [1, 2])
            #expect(revisions.contains { $0.metadata.labels?["controller-revision-hash"] == firstHash })

            // A node that gains an untolerated NoExecute taint loses its pod.
            _ = try await nodes.patch("n4", type: .merge, body: ["spec": ["taints": [["key": "evict", "effect": "NoExecute"]]]])
            try await eventually("n4 pod removed") {
                let pods = try await activePods(client, "app=agent", namespace: "kube-system")
                return !pods.contains { DaemonPlacement.targetNode(of: $0) == "n4" }
            }
            try await eventually("status follows") {
                try await sets.get("agent", namespace: "kube-system").status?.desiredNumberScheduled == 2
            }
        }
    }

    @Test func onDeleteWaitsAndNodeSelectorFilters() async throws {
        try await withAppsControllers({ [DaemonSetController(context: $0)] }) { _, client in
            let nodes = client.resource(CoreV1.Node.self)
            _ = try await nodes.create(Self.node("ssd1", labels: ["disk": "ssd"]))
            _ = try await nodes.create(Self.node("hdd1"))
            let sets = client.resource(AppsV1.DaemonSet.self)
            var template = appsTemplate(["app": "cache"])
            template.spec?.nodeSelector = ["disk": "ssd"]
            _ = try await sets.create(AppsV1.DaemonSet(
                metadata: MetaV1.ObjectMeta(name: "cache", namespace: "default"),
                spec: AppsV1.DaemonSetSpec(
                    selector: MetaV1.LabelSelector(matchLabels: ["app": "cache"]), template: template,
                    updateStrategy: AppsV1.DaemonSetUpdateStrategy(type: "OnDelete"))))
            try await eventually("one pod on ssd1") {
                let pods = try await activePods(client, "app=cache")
                return pods.count == 1 && DaemonPlacement.targetNode(of: pods[0]) == "ssd1"
            }
            let original = try #require(try await activePods(client, "app=cache").first)
            _ = try await sets.patch("cache", namespace: "default", type: .strategicMerge, body: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "redis:7"]]]]]])
            try await eventually("status observed") { try await sets.get("cache", namespace: "default").status?.observedGeneration == 2 }
            #expect(try await activePods(client, "app=cache").map(\.metadata.uid) == [original.metadata.uid])
            #expect(try await sets.get("cache", namespace: "default").status?.updatedNumberScheduled == 0)
            // Deleting the pod brings the new template.
            try await client.resource(CoreV1.Pod.self).delete(original.metadata.name ?? "", namespace: "default")
            try await eventually("replacement uses new template") {
                let pods = try await activePods(client, "app=cache")
                return pods.count == 1 && pods[0].spec?.containers?.first?.image == "redis:7"
            }
        }
    }
}
