import ClusterTesting
import Controllers
import KubeAPI
import KubeClient
import Testing

@Suite("ReplicaSet controller", .serialized)
struct ReplicaSetControllerTests {
    static func replicaSet(_ name: String, replicas: Int, labels: [String: String], minReadySeconds: Int? = nil) -> AppsV1.ReplicaSet {
        AppsV1.ReplicaSet(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: AppsV1.ReplicaSetSpec(minReadySeconds: minReadySeconds, replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: labels), template: appsTemplate(labels)))
    }

    @Test func createsScalesAdoptsAndReportsStatus() async throws {
        try await withAppsControllers({ [ReplicaSetController(context: $0)] }) { _, client in
            let pods = client.resource(CoreV1.Pod.self)
            let sets = client.resource(AppsV1.ReplicaSet.self)
            // An orphan that matches is adopted rather than duplicated.
            _ = try await pods.create(CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(labels: ["app": "web"], name: "orphan", namespace: "default"),
                spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")])))
            let rs = try await sets.create(Self.replicaSet("web", replicas: 3, labels: ["app": "web"]))
            try await eventually("3 owned pods") {
                let owned = try await activePods(client, "app=web")
                return owned.count == 3 && owned.allSatisfy { $0.metadata.controllerRef?.uid == rs.metadata.uid }
            }
            let owned = try await activePods(client, "app=web")
            #expect(owned.contains { $0.metadata.name == "orphan" })
            #expect(owned.filter { $0.metadata.name != "orphan" }.allSatisfy { ($0.metadata.name ?? "").hasPrefix("web-") && $0.metadata.generateName == "web-" })
            #expect(owned.allSatisfy { $0.metadata.controllerRef?.blockOwnerDeletion == true })
            try await eventually("status replicas 3") { try await sets.get("web", namespace: "default").status?.replicas == 3 }

            try await markPodsReady(client, selector: "app=web")
            try await eventually("ready and available") {
                let status = try await sets.get("web", namespace: "default").status
                return status?.readyReplicas == 3 && status?.availableReplicas == 3 && status?.fullyLabeledReplicas == 3
                    && status?.observedGeneration == rs.metadata.generation
            }

            // Scale down: unready pods go first.
            _ = try await sets.patch("web", namespace: "default", type: .merge, body: ["spec": ["replicas": 1]])
            try await eventually("1 pod left") { try await activePods(client, "app=web").count == 1 }
            try await eventually("status replicas 1") {
                let status = try await sets.get("web", namespace: "default").status
                return status?.replicas == 1 && status?.observedGeneration == 2
            }

            // A pod that stops matching is released, and replaced.
            let survivor = try #require(try await activePods(client, "app=web").first)
            _ = try await pods.patch(survivor.metadata.name ?? "", namespace: "default", type: .merge, body: ["metadata": ["labels": ["app": "other"]]])
            try await eventually("released and replaced") {
                let released = try await pods.get(survivor.metadata.name ?? "", namespace: "default")
                let count = try await activePods(client, "app=web").count
                return released.metadata.controllerRef == nil && count == 1
            }

            try await eventually("events") {
                let messages = try await eventMessages(client, about: "web")
                return messages.contains { $0.hasPrefix("SuccessfulCreate: Created pod: web-") }
                    && messages.contains { $0.hasPrefix("SuccessfulDelete: Deleted pod: ") }
            }
        }
    }

    @Test func replicationControllerSharesTheLogic() async throws {
        try await withAppsControllers({ [ReplicationControllerController(context: $0)] }) { _, client in
            let rcs = client.resource(CoreV1.ReplicationController.self)
            _ = try await rcs.create(CoreV1.ReplicationController(
                metadata: MetaV1.ObjectMeta(name: "legacy", namespace: "default"),
                spec: CoreV1.ReplicationControllerSpec(replicas: 2, selector: ["app": "legacy"], template: appsTemplate(["app": "legacy"]))))
            try await eventually("2 pods") { try await activePods(client, "app=legacy").count == 2 }
            try await markPodsReady(client, selector: "app=legacy")
            try await eventually("rc status") {
                let status = try await rcs.get("legacy", namespace: "default").status
                return status?.replicas == 2 && status?.readyReplicas == 2 && status?.availableReplicas == 2
            }
            // A deleted pod is replaced.
            let victim = try #require(try await activePods(client, "app=legacy").first)
            try await client.resource(CoreV1.Pod.self).delete(victim.metadata.name ?? "", namespace: "default")
            try await eventually("replacement") {
                let pods = try await activePods(client, "app=legacy")
                return pods.count == 2 && !pods.contains { $0.metadata.uid == victim.metadata.uid }
            }
        }
    }

    @Test func terminatingPodsAreReplacedAtOnce() async throws {
        try await withAppsControllers({ [ReplicaSetController(context: $0)] }) { _, client in
            let sets = client.resource(AppsV1.ReplicaSet.self)
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await sets.create(Self.replicaSet("term", replicas: 2, labels: ["app": "term"]))
            try await eventually("2 pods") { try await activePods(client, "app=term").count == 2 }
            // A bound pod is deleted gracefully: it stays, terminating, until its kubelet confirms.
            let victim = try #require(try await activePods(client, "app=term").first)
            _ = try await pods.create(
                subresource: "binding", of: victim.metadata.name ?? "", namespace: "default",
                body: CoreV1.Binding(metadata: MetaV1.ObjectMeta(name: victim.metadata.name), target: CoreV1.ObjectReference(kind: "Node", name: "n1")),
                as: MetaV1.Status.self)
            try await pods.delete(victim.metadata.name ?? "", namespace: "default")
            let terminating = try await pods.get(victim.metadata.name ?? "", namespace: "default")
            #expect(terminating.metadata.deletionTimestamp != nil)
            // The controller counts it as gone and creates a replacement meanwhile.
            try await eventually("replacement while terminating") {
                let all = try await pods.list(namespace: "default", options: ListOptions(labelSelector: "app=term")).items
                return all.count == 3 && all.filter { $0.metadata.deletionTimestamp == nil }.count == 2
            }
            try await eventually("status counts active pods") { try await sets.get("term", namespace: "default").status?.replicas == 2 }
        }
    }

    @Test func badInputIsRefusedOrIgnored() async throws {
        try await withAppsControllers({ [ReplicaSetController(context: $0)] }) { _, client in
            let sets = client.resource(AppsV1.ReplicaSet.self)
            // A selector that does not match the template is refused by the API server.
            var mismatched = Self.replicaSet("bad", replicas: 1, labels: ["app": "x"])
            mismatched.spec?.template = appsTemplate(["app": "y"])
            await #expect(throws: StatusError.self) { _ = try await sets.create(mismatched) }
            do {
                _ = try await sets.create(mismatched)
            } catch let error as StatusError {
                #expect(error.code == 422)
            }
            // A pod claiming a controller that does not exist is left alone, and the controller keeps working.
            _ = try await client.resource(CoreV1.Pod.self).create(CoreV1.Pod(
                metadata: MetaV1.ObjectMeta(
                    labels: ["app": "ghost"], name: "ghost", namespace: "default",
                    ownerReferences: [MetaV1.OwnerReference(apiVersion: "apps/v1", controller: true, kind: "ReplicaSet", name: "missing", uid: "00000000-0000-0000-0000-000000000000")]),
                spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")])))
            // Zero replicas: nothing is created, status still written.
            _ = try await sets.create(Self.replicaSet("zero", replicas: 0, labels: ["app": "zero"]))
            _ = try await sets.create(Self.replicaSet("fine", replicas: 1, labels: ["app": "fine"]))
            try await eventually("fine keeps working") { try await activePods(client, "app=fine").count == 1 }
            try await eventually("zero status") { try await sets.get("zero", namespace: "default").status?.observedGeneration == 1 }
            #expect(try await activePods(client, "app=zero").isEmpty)
            let ghost = try await client.resource(CoreV1.Pod.self).get("ghost", namespace: "default")
            #expect(ghost.metadata.controllerRef?.name == "missing")
        }
    }
}
