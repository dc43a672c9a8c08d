import ClusterTesting
import Controllers
import KubeAPI
import KubeClient
import Testing

@Suite("Deployment controller", .serialized)
struct DeploymentControllerTests {
    static func deployment(_ name: String, replicas: Int, image: String = "nginx:1.25", strategy: String? = nil) -> AppsV1.Deployment {
        AppsV1.Deployment(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: AppsV1.DeploymentSpec(
                replicas: replicas, selector: MetaV1.LabelSelector(matchLabels: ["app": name]),
                strategy: strategy.map { AppsV1.DeploymentStrategy(type: $0) },
                template: appsTemplate(["app": name], image: image)))
    }

    /// What `kubectl rollout status` checks before it reports success.
    static func rolledOut(_ d: AppsV1.Deployment) -> Bool {
        guard let status = d.status, (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) else { return false }
        let desired = d.spec?.replicas ?? 1
        if status.conditions?.contains(where: { $0.type == "Progressing" && $0.reason == "ProgressDeadlineExceeded" }) == true { return false }
        return (status.updatedReplicas ?? 0) >= desired && (status.replicas ?? 0) <= (status.updatedReplicas ?? 0)
            && (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
    }

    static func condition(_ d: AppsV1.Deployment, _ type: String) -> AppsV1.DeploymentCondition? {
        d.status?.conditions?.first { $0.type == type }
    }

    static func ownedSets(_ client: KubeClient, _ d: AppsV1.Deployment) async throws -> [AppsV1.ReplicaSet] {
        try await client.resource(AppsV1.ReplicaSet.self).list(namespace: "default").items
            .filter { $0.metadata.controllerRef?.uid == d.metadata.uid }
    }

    @Test func rollingUpdateUndoPauseAndResume() async throws {
        try await withAppsControllers({ [DeploymentController(context: $0), ReplicaSetController(context: $0)] }) { _, client in
            let deployments = client.resource(AppsV1.Deployment.self)
            let ready = readyMaker(client)
            defer { ready.cancel() }
            let created = try await deployments.create(Self.deployment("web", replicas: 3))
            try await eventually("first rollout") { Self.rolledOut(try await deployments.get("web", namespace: "default")) }
            var d = try await deployments.get("web", namespace: "default")
            #expect(Self.condition(d, "Available")?.reason == "MinimumReplicasAvailable")
            #expect(Self.condition(d, "Available")?.message == "Deployment has minimum availability.")
            #expect(Self.condition(d, "Progressing")?.reason == "NewReplicaSetAvailable")
            #expect(d.metadata.annotations?["deployment.kubernetes.io/revision"] == "1")
            let first = try #require(try await Self.ownedSets(client, created).first)
            let hash = try #require(first.metadata.labels?["pod-template-hash"])
            #expect(first.metadata.name == "web-\(hash)")
            #expect(first.spec?.selector?.matchLabels?["pod-template-hash"] == hash)
            #expect(first.metadata.annotations?["deployment.kubernetes.io/revision"] == "1")
            #expect(first.metadata.annotations?["deployment.kubernetes.io/desired-replicas"] == "3")
            #expect(first.metadata.annotations?["deployment.kubernetes.io/max-replicas"] == "4")
            #expect(Self.condition(d, "Progressing")?.message == "ReplicaSet \"\(first.metadata.name ?? "")\" has successfully progressed.")
            #expect(d.status?.updatedReplicas == 3 && d.status?.availableReplicas == 3 && d.status?.unavailableReplicas == 0)

            // Roll to a new image.
            _ = try await deployments.patch("web", namespace: "default", type: .strategicMerge, body: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.26"]]]]]])
            try await eventually("second rollout") {
                let d = try await deployments.get("web", namespace: "default")
                return Self.rolledOut(d) && d.metadata.annotations?["deployment.kubernetes.io/revision"] == "2"
            }
            var sets = try await Self.ownedSets(client, created)
            #expect(sets.count == 2)
            let second = try #require(sets.first { $0.metadata.name != first.metadata.name })
            #expect(second.spec?.replicas == 3)
            #expect(sets.first { $0.metadata.name == first.metadata.name }?.spec?.replicas == 0)
            #expect(second.metadata.annotations?["deployment.kubernetes.io/revision"] == "2")
            try await eventually("scaling events") {
                let messages = try await eventMessages(client, about: "web")
                return messages.contains("ScalingReplicaSet: Scaled up replica set \(first.metadata.name ?? "") from 0 to 3")
                    && messages.contains { $0.hasPrefix("ScalingReplicaSet: Scaled down replica set \(first.metadata.name ?? "") from") }
            }

            // kubectl rollout undo: the template goes back to the first ReplicaSet's (without its hash label).
            var template = try #require(first.spec?.template)
            template.metadata?.labels?.removeValue(forKey: "pod-template-hash")
            d = try await deployments.get("web", namespace: "default")
            d.spec?.template = template
            _ = try await deployments.update(d)
            try await eventually("undo reuses the first ReplicaSet at revision 3") {
                let d = try await deployments.get("web", namespace: "default")
                let rs = try await client.resource(AppsV1.ReplicaSet.self).get(first.metadata.name ?? "", namespace: "default")
                return Self.rolledOut(d) && rs.spec?.replicas == 3 && rs.metadata.annotations?["deployment.kubernetes.io/revision"] == "3"
                    && d.metadata.annotations?["deployment.kubernetes.io/revision"] == "3"
            }
            sets = try await Self.ownedSets(client, created)
            #expect(sets.count == 2)

            // Pause: a template change waits.
            _ = try await deployments.patch("web", namespace: "default", type: .merge, body: ["spec": ["paused": true]])
            try await eventually("paused condition") {
                Self.condition(try await deployments.get("web", namespace: "default"), "Progressing")?.reason == "DeploymentPaused"
            }
            _ = try await deployments.patch("web", namespace: "default", type: .strategicMerge, body: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:1.27"]]]]]])
            // Scaling still works while paused, and no new ReplicaSet appears.
            _ = try await deployments.patch("web", namespace: "default", type: .merge, body: ["spec": ["replicas": 4]])
            try await eventually("scaled while paused") {
                let rs = try await client.resource(AppsV1.ReplicaSet.self).get(first.metadata.name ?? "", namespace: "default")
                return rs.spec?.replicas == 4
            }
            #expect(try await Self.ownedSets(client, created).count == 2)
            d = try await deployments.get("web", namespace: "default")
            #expect(Self.condition(d, "Progressing")?.status == "Unknown")
            #expect(Self.condition(d, "Progressing")?.message == "Deployment is paused")

            _ = try await deployments.patch("web", namespace: "default", type: .merge, body: ["spec": ["paused": false]])
            try await eventually("resumed rollout") {
                let d = try await deployments.get("web", namespace: "default")
                let count = try await Self.ownedSets(client, created).count
                return Self.rolledOut(d) && d.metadata.annotations?["deployment.kubernetes.io/revision"] == "4" && count == 3
            }
        }
    }

    @Test func recreateStopsOldPodsFirstAndHistoryIsTrimmed() async throws {
        try await withAppsControllers({ [DeploymentController(context: $0), ReplicaSetController(context: $0)] }) { _, client in
            let deployments = client.resource(AppsV1.Deployment.self)
            let ready = readyMaker(client)
            defer { ready.cancel() }
            var spec = Self.deployment("batch", replicas: 2, strategy: "Recreate")
            spec.spec?.revisionHistoryLimit = 1
            let created = try await deployments.create(spec)
            try await eventually("first rollout") { Self.rolledOut(try await deployments.get("batch", namespace: "default")) }
            for (index, image) in ["busybox:1", "busybox:2"].enumerated() {
                _ = try await deployments.patch("batch", namespace: "default", type: .strategicMerge, body: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": .string(image)]]]]]])
                try await eventually("rollout \(index + 2)") {
                    let d = try await deployments.get("batch", namespace: "default")
                    return Self.rolledOut(d) && d.metadata.annotations?["deployment.kubernetes.io/revision"] == String(index + 2)
                }
                // Recreate never runs two templates at once.
                let images = Set(try await activePods(client, "app=batch").compactMap { $0.spec?.containers?.first?.image })
                #expect(images == [image])
            }
            // Revision 1 is beyond the history limit of 1 and is deleted.
            try await eventually("history trimmed") {
                let revisions = try await Self.ownedSets(client, created).compactMap { $0.metadata.annotations?["deployment.kubernetes.io/revision"] }
                return Set(revisions) == ["2", "3"]
            }
        }
    }

    @Test func progressDeadlineAndBadInput() async throws {
        try await withAppsControllers({ [DeploymentController(context: $0), ReplicaSetController(context: $0)] }) { _, client in
            let deployments = client.resource(AppsV1.Deployment.self)
            // Invalid specs never reach the controller.
            var bad = Self.deployment("bad", replicas: 1)
            bad.spec?.template = appsTemplate(["app": "other"])
            await #expect(throws: StatusError.self) { _ = try await deployments.create(bad) }
            var badStrategy = Self.deployment("bad2", replicas: 1)
            badStrategy.spec?.strategy = AppsV1.DeploymentStrategy(rollingUpdate: AppsV1.RollingUpdateDeployment(maxSurge: 0, maxUnavailable: 0), type: "RollingUpdate")
            await #expect(throws: StatusError.self) { _ = try await deployments.create(badStrategy) }

            // Pods never become ready: the deadline passes and Progressing turns False.
            var stuck = Self.deployment("stuck", replicas: 1)
            stuck.spec?.progressDeadlineSeconds = 1
            _ = try await deployments.create(stuck)
            try await eventually("deadline exceeded", timeout: .seconds(15)) {
                let d = try await deployments.get("stuck", namespace: "default")
                return Self.condition(d, "Progressing")?.reason == "ProgressDeadlineExceeded"
            }
            let d = try await deployments.get("stuck", namespace: "default")
            #expect(Self.condition(d, "Progressing")?.status == "False")
            #expect(Self.condition(d, "Progressing")?.message?.hasSuffix("has timed out progressing.") == true)
            #expect(Self.condition(d, "Available")?.reason == "MinimumReplicasUnavailable")
            #expect(d.status?.unavailableReplicas == 1)
        }
    }
}
