@testable import APIServer
import ClusterTesting
import HTTPTypes
import KubeAPI
import KubeClient
import Testing

/// `pods/eviction` against the in-process API server (no disruption controller: each test
/// writes the budget's status itself).
@Suite(.serialized) struct EvictionTests {
    struct Reply {
        var status: Int
        var json: JSONValue
    }

    /// POSTs an Eviction for `pod` through the authorized handler chain (routing included).
    static func evict(
        _ server: TestAPIServer, _ pod: String, namespace: String = "default", apiVersion: String = "policy/v1",
        deleteOptions: JSONValue? = nil, query: [(name: String, value: String)] = [], bodyName: String? = nil,
        bodyNamespace: String? = nil
    ) async -> Reply {
        var body: JSONValue = [
            "apiVersion": .string(apiVersion), "kind": "Eviction",
            "metadata": ["name": .string(bodyName ?? pod), "namespace": .string(bodyNamespace ?? namespace)],
        ]
        if let deleteOptions { body.setMember("deleteOptions", deleteOptions) }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        var request = APIRequest(
            method: .post, path: "/api/v1/namespaces/\(namespace)/pods/\(pod)/eviction", query: query, headers: headers,
            body: body.serialized())
        request.user = .admin
        let response = await server.server.authorizedHandler.handle(request)
        guard case .bytes(let bytes) = response.body else { return Reply(status: response.status.code, json: .null) }
        return Reply(status: response.status.code, json: (try? JSONValue(parsing: bytes)) ?? .null)
    }

    /// Creates a pod, then gives it `phase` and a Ready condition.
    static func pod(
        _ client: KubeClient, _ name: String, labels: [String: String] = ["app": "web"], phase: String = "Running",
        ready: Bool = true, node: String? = nil
    ) async throws {
        let pods = client.resource(CoreV1.Pod.self)
        var pod = try await pods.create(CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(labels: labels, name: name, namespace: "default"),
            spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")], nodeName: node)))
        pod.status = CoreV1.PodStatus(
            conditions: [CoreV1.PodCondition(lastTransitionTime: Time.now(), status: ready ? "True" : "False", type: "Ready")],
            phase: phase)
        _ = try await pods.updateStatus(pod)
    }

    /// Creates a budget over `app=web` and writes its status as the controller would.
    @discardableResult
    static func budget(
        _ client: KubeClient, _ name: String = "web-pdb", selector: [String: String] = ["app": "web"], allowed: Int, current: Int = 2,
        desired: Int = 2, policy: String? = nil, observed: Bool = true
    ) async throws -> PolicyV1.PodDisruptionBudget {
        let budgets = client.resource(PolicyV1.PodDisruptionBudget.self)
        var budget = try await budgets.create(PolicyV1.PodDisruptionBudget(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: PolicyV1.PodDisruptionBudgetSpec(
                minAvailable: .int(desired), selector: MetaV1.LabelSelector(matchLabels: selector), unhealthyPodEvictionPolicy: policy)))
        budget.status = PolicyV1.PodDisruptionBudgetStatus(
            currentHealthy: current, desiredHealthy: desired, disruptionsAllowed: allowed, expectedPods: current,
            observedGeneration: observed ? (budget.metadata.generation ?? 1) : 0)
        return try await budgets.updateStatus(budget)
    }

    static func exists(_ client: KubeClient, _ pod: String) async throws -> Bool {
        do {
            _ = try await client.resource(CoreV1.Pod.self).get(pod, namespace: "default")
            return true
        } catch let error as StatusError where error.code == 404 {
            return false
        }
    }

    @Test func allowedEvictionSpendsTheBudgetAndDeletesThePod() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            try await Self.budget(client, allowed: 1, current: 3)
            let reply = await Self.evict(server, "web-1")
            #expect(reply.status == 201)
            #expect(reply.json == ["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Success", "code": 201])
            #expect(try await !Self.exists(client, "web-1"))
            let budget = try await client.resource(PolicyV1.PodDisruptionBudget.self).get("web-pdb", namespace: "default")
            #expect(budget.status?.disruptionsAllowed == 0)
            #expect(budget.status?.disruptedPods?["web-1"] != nil)
            let condition = budget.status?.conditions?.first { $0.type == "DisruptionAllowed" }
            #expect(condition?.status == "False")
            #expect(condition?.reason == "InsufficientPods")
        }
    }

    @Test func budgetWithoutDisruptionsAnswers429WithItsCause() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            try await Self.budget(client, allowed: 0, current: 2, desired: 2)
            let reply = await Self.evict(server, "web-1")
            #expect(reply.status == 429)
            #expect(reply.json["reason"] == "TooManyRequests")
            #expect(reply.json["message"] == "Cannot evict pod as it would violate the pod's disruption budget.")
            #expect(reply.json[path: "details", "causes"] == [
                ["reason": "DisruptionBudget", "message": "The disruption budget web-pdb needs 2 healthy pods and has 2 currently"],
            ])
            #expect(reply.json[path: "details", "retryAfterSeconds"] == nil)
            #expect(reply.json["code"] == 429)
            #expect(try await Self.exists(client, "web-1"))
        }
    }

    @Test func stalebudgetAsksToRetry() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            try await Self.budget(client, allowed: 1, observed: false)
            let reply = await Self.evict(server, "web-1")
            #expect(reply.status == 429)
            #expect(reply.json[path: "details", "retryAfterSeconds"] == 10)
            #expect(reply.json[path: "details", "causes"]?[0]?["message"] == "The disruption budget web-pdb is still being processed by the server.")
        }
    }

    @Test func concurrentEvictionsSpendOneDisruptionOnce() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            for name in ["web-1", "web-2", "web-3"] { try await Self.pod(client, name) }
            try await Self.budget(client, allowed: 1, current: 3)
            let codes = await withTaskGroup(of: Int.self) { group in
                for name in ["web-1", "web-2", "web-3"] { group.addTask { await Self.evict(server, name).status } }
                var codes: [Int] = []
                for await code in group { codes.append(code) }
                return codes.sorted()
            }
            #expect(codes == [201, 429, 429])
            let budget = try await client.resource(PolicyV1.PodDisruptionBudget.self).get("web-pdb", namespace: "default")
            #expect(budget.status?.disruptionsAllowed == 0)
            #expect(budget.status?.disruptedPods?.count == 1)
        }
    }

    @Test func twoBudgetsAnswer500() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            try await Self.budget(client, "first", allowed: 1)
            try await Self.budget(client, "second", selector: [:], allowed: 1)
            let reply = await Self.evict(server, "web-1")
            #expect(reply.status == 500)
            #expect(reply.json == [
                "kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Failure",
                "message": "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                "code": 500,
            ])
            #expect(try await Self.exists(client, "web-1"))
        }
    }

    @Test(arguments: ["Succeeded", "Failed", "Pending"])
    func finishedOrPendingPodsGoWithoutTheirBudget(phase: String) async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1", phase: phase, ready: false)
            try await Self.budget(client, allowed: 0)
            let reply = await Self.evict(server, "web-1")
            #expect(reply.status == 201)
            #expect(try await !Self.exists(client, "web-1"))
            let budget = try await client.resource(PolicyV1.PodDisruptionBudget.self).get("web-pdb", namespace: "default")
            #expect(budget.status?.disruptedPods == nil)
        }
    }

    @Test func unreadyPodFollowsTheUnhealthyPodPolicy() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            // IfHealthyBudget (the default) while the budget is short of healthy pods: refused.
            try await Self.pod(client, "web-1", ready: false)
            try await Self.budget(client, allowed: 0, current: 1, desired: 2)
            #expect(await Self.evict(server, "web-1").status == 429)
            // AlwaysAllow: the unready pod goes and the budget is not spent.
            try await Self.pod(client, "api-1", labels: ["app": "api"], ready: false)
            try await Self.budget(client, "api-pdb", selector: ["app": "api"], allowed: 0, current: 1, desired: 2, policy: "AlwaysAllow")
            #expect(await Self.evict(server, "api-1").status == 201)
            #expect(try await !Self.exists(client, "api-1"))
            // IfHealthyBudget with a healthy budget: the unready pod goes without spending it.
            try await Self.pod(client, "db-1", labels: ["app": "db"], ready: false)
            try await Self.budget(client, "db-pdb", selector: ["app": "db"], allowed: 0, current: 2, desired: 2)
            #expect(await Self.evict(server, "db-1").status == 201)
            let budget = try await client.resource(PolicyV1.PodDisruptionBudget.self).get("db-pdb", namespace: "default")
            #expect(budget.status?.disruptionsAllowed == 0)
            #expect(budget.status?.disruptedPods == nil)
        }
    }

    @Test func deleteOptionsAndDisruptionTargetReachThePod() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1", node: "node-a")
            let reply = await Self.evict(server, "web-1", apiVersion: "policy/v1beta1", deleteOptions: ["gracePeriodSeconds": 45])
            #expect(reply.status == 201)
            let pod = try await client.resource(CoreV1.Pod.self).get("web-1", namespace: "default")
            #expect(pod.metadata.deletionTimestamp != nil)
            #expect(pod.metadata.deletionGracePeriodSeconds == 45)
            let target = pod.status?.conditions?.first { $0.type == "DisruptionTarget" }
            #expect(target?.status == "True")
            #expect(target?.reason == "EvictionByEvictionAPI")
            #expect(target?.message == "Eviction API: evicting")
        }
    }

    @Test func dryRunChangesNothing() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            try await Self.budget(client, allowed: 1)
            let reply = await Self.evict(server, "web-1", query: [(name: "dryRun", value: "All")])
            #expect(reply.status == 201)
            #expect(try await Self.exists(client, "web-1"))
            let budget = try await client.resource(PolicyV1.PodDisruptionBudget.self).get("web-pdb", namespace: "default")
            #expect(budget.status?.disruptionsAllowed == 1)
        }
    }

    @Test func badRequests() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            let mismatch = await Self.evict(server, "web-1", bodyName: "other")
            #expect(mismatch.status == 400)
            #expect(mismatch.json["message"] == "name in URL does not match name in Eviction object")
            #expect(await Self.evict(server, "web-1", apiVersion: "policy/v2").status == 400)
            let elsewhere = await Self.evict(server, "web-1", bodyNamespace: "kube-system")
            #expect(elsewhere.status == 400)
            #expect(elsewhere.json["message"] == "the namespace of the provided object does not match the namespace sent on the request")
            let missing = await Self.evict(server, "nope")
            #expect(missing.status == 404)
            #expect(missing.json["message"] == "pods \"nope\" not found")
        }
    }

    @Test func evictionThroughTheClient() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            try await Self.pod(client, "web-1")
            let eviction = PolicyV1.Eviction(metadata: MetaV1.ObjectMeta(name: "web-1", namespace: "default"))
            let status = try await client.resource(CoreV1.Pod.self).create(
                subresource: "eviction", of: "web-1", namespace: "default", body: eviction, as: JSONValue.self)
            #expect(status["status"] == "Success")
            #expect(try await !Self.exists(client, "web-1"))
        }
    }
}
