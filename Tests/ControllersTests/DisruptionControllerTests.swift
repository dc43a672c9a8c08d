import APIServer
import ClusterTesting
@testable import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct DisruptionBudgetMathTests {
    static func spec(min: IntOrString? = nil, max: IntOrString? = nil) -> PolicyV1.PodDisruptionBudgetSpec {
        PolicyV1.PodDisruptionBudgetSpec(maxUnavailable: max, minAvailable: min, selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]))
    }

    static func pod(_ name: String, ready: Bool = true, deleting: Bool = false) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(deletionTimestamp: deleting ? Time(secondsSinceEpoch: 1) : nil, labels: ["app": "web"], name: name, namespace: "default"),
            status: CoreV1.PodStatus(conditions: [CoreV1.PodCondition(status: ready ? "True" : "False", type: "Ready")], phase: "Running"))
    }

    @Test(arguments: [
        // (minAvailable, maxUnavailable, pods, scale) → (expected, desired)
        (IntOrString?.some(.int(2)), IntOrString?.none, 3, 10, 3, 2),
        (.some(.string("50%")), nil, 3, 5, 5, 3),       // 2.5 rounds up
        (.some(.string("100%")), nil, 3, 3, 3, 3),
        (nil, .some(.int(1)), 3, 4, 4, 3),
        (nil, .some(.string("30%")), 3, 5, 5, 3),       // 1.5 unavailable rounds up to 2
        (nil, .some(.int(9)), 3, 4, 4, 0),              // never below zero
        (nil, nil, 3, 4, 0, 0),
    ])
    func targets(min: IntOrString?, max: IntOrString?, pods: Int, scale: Int, expected: Int, desired: Int) async throws {
        let result = try await DisruptionBudgetMath.targets(spec: Self.spec(min: min, max: max), podCount: pods) { scale }
        #expect(result.expected == expected)
        #expect(result.desired == desired)
    }

    @Test func integerMinAvailableNeedsNoScale() async throws {
        let result = try await DisruptionBudgetMath.targets(spec: Self.spec(min: .int(1)), podCount: 2) {
            throw DisruptionBudgetMath.Failure("scale asked for")
        }
        #expect(result.expected == 2)
        #expect(result.desired == 1)
    }

    @Test func badPercentageFails() async {
        await #expect(throws: DisruptionBudgetMath.Failure.self) {
            _ = try await DisruptionBudgetMath.targets(spec: Self.spec(min: .string("half")), podCount: 2) { 2 }
        }
    }

    @Test func disruptedPodsExpireAfterTwoMinutes() {
        let now = Time(secondsSinceEpoch: 10_000)
        let pods = [Self.pod("fresh"), Self.pod("old"), Self.pod("deleting", deleting: true)]
        let recorded = [
            "fresh": Time(secondsSinceEpoch: 9_950), "old": Time(secondsSinceEpoch: 9_880),
            "deleting": Time(secondsSinceEpoch: 9_990), "gone": Time(secondsSinceEpoch: 9_990),
        ]
        let (kept, recheck) = DisruptionBudgetMath.activeDisruptions(pods: pods, recorded: recorded, now: now)
        #expect(kept == ["fresh": Time(secondsSinceEpoch: 9_950)])
        #expect(recheck == Time(secondsSinceEpoch: 10_070))
        // The recently evicted pod, the deleting one and the unready one are not healthy.
        let healthy = DisruptionBudgetMath.currentHealthy(
            pods: pods + [Self.pod("ready"), Self.pod("unready", ready: false)], disrupted: kept, now: now)
        #expect(healthy == 2)  // "old" (expired entry) and "ready"
    }

    @Test func statusAllowsHealthyMinusDesired() {
        let budget = PolicyV1.PodDisruptionBudget(metadata: MetaV1.ObjectMeta(generation: 3, name: "b", namespace: "default"), spec: Self.spec(min: .int(2)))
        let now = Time(secondsSinceEpoch: 500)
        let status = DisruptionBudgetMath.status(of: budget, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptedPods: [:], now: now)
        #expect(status.disruptionsAllowed == 1)
        #expect(status.observedGeneration == 3)
        #expect(status.disruptedPods == nil)
        #expect(status.conditions == [MetaV1.Condition(
            lastTransitionTime: now, message: "", observedGeneration: 3, reason: "SufficientPods", status: "True", type: "DisruptionAllowed")])
        // No expected pods: no disruption even when "healthy" exceeds "desired".
        let empty = DisruptionBudgetMath.status(of: budget, currentHealthy: 1, desiredHealthy: 0, expectedPods: 0, disruptedPods: [:], now: now)
        #expect(empty.disruptionsAllowed == 0)
        #expect(empty.conditions?.first?.reason == "InsufficientPods")
        // The transition time stays while the condition's status does not change.
        var previous = budget
        previous.status = status
        let later = DisruptionBudgetMath.status(of: previous, currentHealthy: 4, desiredHealthy: 2, expectedPods: 4, disruptedPods: [:], now: Time(secondsSinceEpoch: 900))
        #expect(later.conditions?.first?.lastTransitionTime == now)
        let failed = DisruptionBudgetMath.failSafeStatus(of: previous, message: "boom", now: Time(secondsSinceEpoch: 900))
        #expect(failed.disruptionsAllowed == 0)
        #expect(failed.conditions?.first?.reason == "SyncFailed")
        #expect(failed.conditions?.first?.lastTransitionTime == Time(secondsSinceEpoch: 900))
    }
}

@Suite(.serialized) struct DisruptionControllerTests {
    @Test func statusFollowsPodsAndDeploymentScale() async throws {
        try await withControllers({ [DisruptionController(context: $0)] }) { _, client in
            let budgets = client.resource(PolicyV1.PodDisruptionBudget.self)
            _ = try await budgets.create(PolicyV1.PodDisruptionBudget(
                metadata: MetaV1.ObjectMeta(name: "web", namespace: "default"),
                spec: PolicyV1.PodDisruptionBudgetSpec(minAvailable: .int(2), selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]))))
            let pods = client.resource(CoreV1.Pod.self)
            for name in ["web-1", "web-2", "web-3"] {
                _ = try await pods.create(testPod(name, labels: ["app": "web"]))
                try await setPodStatus(client, name, ip: nil, ready: true)
            }
            try await eventually("3 healthy, 1 allowed") {
                let status = try await budgets.get("web", namespace: "default").status
                return status?.currentHealthy == 3 && status?.desiredHealthy == 2 && status?.expectedPods == 3
                    && status?.disruptionsAllowed == 1 && status?.observedGeneration == 1
                    && status?.conditions?.first?.reason == "SufficientPods"
            }
            try await setPodStatus(client, "web-3", ip: nil, ready: false)
            try await eventually("2 healthy, none allowed") {
                let status = try await budgets.get("web", namespace: "default").status
                return status?.currentHealthy == 2 && status?.disruptionsAllowed == 0 && status?.conditions?.first?.reason == "InsufficientPods"
            }

            // A percentage budget takes its expected count from the Deployment's replicas
            // through the ReplicaSet owning the pods.
            let deployments = client.resource(AppsV1.Deployment.self)
            let deployment = try await deployments.create(AppsV1.Deployment(
                metadata: MetaV1.ObjectMeta(name: "api", namespace: "default"),
                spec: AppsV1.DeploymentSpec(
                    replicas: 4, selector: MetaV1.LabelSelector(matchLabels: ["app": "api"]),
                    template: CoreV1.PodTemplateSpec(
                        metadata: MetaV1.ObjectMeta(labels: ["app": "api"]),
                        spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")])))))
            let set = try await client.resource(AppsV1.ReplicaSet.self).create(AppsV1.ReplicaSet(
                metadata: MetaV1.ObjectMeta(name: "api-1", namespace: "default", ownerReferences: [.controller(deployment)]),
                spec: AppsV1.ReplicaSetSpec(
                    replicas: 4, selector: MetaV1.LabelSelector(matchLabels: ["app": "api"]),
                    template: CoreV1.PodTemplateSpec(
                        metadata: MetaV1.ObjectMeta(labels: ["app": "api"]),
                        spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")])))))
            for name in ["api-a", "api-b", "api-c"] {
                var pod = testPod(name, labels: ["app": "api"])
                pod.metadata.ownerReferences = [.controller(set)]
                _ = try await pods.create(pod)
                try await setPodStatus(client, name, ip: nil, ready: true)
            }
            _ = try await budgets.create(PolicyV1.PodDisruptionBudget(
                metadata: MetaV1.ObjectMeta(name: "api", namespace: "default"),
                spec: PolicyV1.PodDisruptionBudgetSpec(maxUnavailable: .string("50%"), selector: MetaV1.LabelSelector(matchLabels: ["app": "api"]))))
            try await eventually("expected 4, desired 2, 1 allowed") {
                let status = try await budgets.get("api", namespace: "default").status
                return status?.expectedPods == 4 && status?.desiredHealthy == 2 && status?.currentHealthy == 3 && status?.disruptionsAllowed == 1
            }
        }
    }

    @Test func customControllerScaleComesFromItsScaleSubresource() async throws {
        try await withControllers({ [DisruptionController(context: $0)] }) { server, client in
            let crds = client.dynamic(GroupVersionResource(group: "apiextensions.k8s.io", version: "v1", resource: "customresourcedefinitions"), namespaced: false)
            _ = try await crds.create([
                "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": ["name": "widgets.example.com"],
                "spec": [
                    "group": "example.com", "scope": "Namespaced",
                    "names": ["plural": "widgets", "singular": "widget", "kind": "Widget"],
                    "versions": [[
                        "name": "v1", "served": true, "storage": true,
                        "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]],
                        "subresources": ["scale": ["specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"]],
                    ]],
                ],
            ])
            let widgets = client.dynamic(GroupVersionResource(group: "example.com", version: "v1", resource: "widgets"), namespaced: true)
            let widget = try await eventually("widgets served") { () -> JSONValue? in
                try? await widgets.create(
                    ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"], "spec": ["replicas": 5]], namespace: "default")
            }
            let owner = MetaV1.OwnerReference(
                apiVersion: "example.com/v1", controller: true, kind: "Widget", name: "w", uid: widget[path: "metadata", "uid"]?.stringValue)
            for name in ["w-1", "w-2", "w-3", "w-4"] {
                var pod = testPod(name, labels: ["app": "w"])
                pod.metadata.ownerReferences = [owner]
                _ = try await client.resource(CoreV1.Pod.self).create(pod)
                try await setPodStatus(client, name, ip: nil, ready: true)
            }
            let budgets = client.resource(PolicyV1.PodDisruptionBudget.self)
            _ = try await budgets.create(PolicyV1.PodDisruptionBudget(
                metadata: MetaV1.ObjectMeta(name: "w", namespace: "default"),
                spec: PolicyV1.PodDisruptionBudgetSpec(maxUnavailable: .int(1), selector: MetaV1.LabelSelector(matchLabels: ["app": "w"]))))
            try await eventually("expected 5 from the widget's scale") {
                let status = try await budgets.get("w", namespace: "default").status
                return status?.expectedPods == 5 && status?.desiredHealthy == 4 && status?.currentHealthy == 4 && status?.disruptionsAllowed == 0
            }
        }
    }

    @Test func staleDisruptionTargetIsCleared() async throws {
        let clock = TestClock(Date())
        try await withControllers(clock: clock, { [DisruptionController(context: $0)] }) { _, client in
            let pods = client.resource(CoreV1.Pod.self)
            for name in ["stale", "fresh"] {
                var pod = try await pods.create(testPod(name))
                let since = Time(clock.now().addingTimeInterval(name == "stale" ? -180 : -10))
                pod.status = CoreV1.PodStatus(conditions: [
                    CoreV1.PodCondition(lastTransitionTime: since, message: "Eviction API: evicting", reason: "EvictionByEvictionAPI", status: "True", type: "DisruptionTarget"),
                ], phase: "Running")
                _ = try await pods.updateStatus(pod)
            }
            try await eventually("stale condition cleared") {
                let condition = try await pods.get("stale", namespace: "default").status?.conditions?.first { $0.type == "DisruptionTarget" }
                return condition?.status == "False" && condition?.reason == nil
            }
            #expect(try await pods.get("fresh", namespace: "default").status?.conditions?.first?.status == "True")
        }
        let now = Time(secondsSinceEpoch: 1_000)
        var pod = testPod("p")
        pod.status = CoreV1.PodStatus(conditions: [CoreV1.PodCondition(lastTransitionTime: Time(secondsSinceEpoch: 950), status: "True", type: "DisruptionTarget")], phase: "Running")
        #expect(DisruptionController.staleDisruptionWait(pod, now: now) == 70)
        pod.status?.phase = "Succeeded"
        #expect(DisruptionController.staleDisruptionWait(pod, now: now) == nil)
    }

    @Test func recordedEvictionCountsAsGoneUntilItExpires() async throws {
        let clock = TestClock(Date())
        try await withControllers(clock: clock, { [DisruptionController(context: $0)] }) { _, client in
            let budgets = client.resource(PolicyV1.PodDisruptionBudget.self)
            _ = try await budgets.create(PolicyV1.PodDisruptionBudget(
                metadata: MetaV1.ObjectMeta(name: "web", namespace: "default"),
                spec: PolicyV1.PodDisruptionBudgetSpec(minAvailable: .int(1), selector: MetaV1.LabelSelector(matchLabels: ["app": "web"]))))
            for name in ["web-1", "web-2"] {
                _ = try await client.resource(CoreV1.Pod.self).create(testPod(name, labels: ["app": "web"]))
                try await setPodStatus(client, name, ip: nil, ready: true)
            }
            try await eventually("1 allowed") { try await budgets.get("web", namespace: "default").status?.disruptionsAllowed == 1 }
            // What the eviction subresource writes when it lets web-1 go.
            var budget = try await budgets.get("web", namespace: "default")
            budget.status?.disruptionsAllowed = 0
            budget.status?.disruptedPods = ["web-1": Time(clock.now())]
            _ = try await budgets.updateStatus(budget)
            try await eventually("web-1 not healthy while its eviction is pending") {
                let status = try await budgets.get("web", namespace: "default").status
                return status?.currentHealthy == 1 && status?.disruptionsAllowed == 0 && status?.disruptedPods?["web-1"] != nil
            }
            // Two minutes later the pod still exists: the entry is dropped and the pod counts again.
            clock.advance(seconds: 121)
            _ = try await budgets.patch("web", namespace: "default", type: .merge, body: ["metadata": ["labels": ["poke": "1"]]])
            try await eventually("entry expired") {
                let status = try await budgets.get("web", namespace: "default").status
                return status?.currentHealthy == 2 && status?.disruptionsAllowed == 1 && status?.disruptedPods == nil
            }
        }
    }
}
