import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Scheduler

@Suite("Scheduler wiring", .serialized, .timeLimit(.minutes(3)))
struct SchedulerWiringTests {
    func createNode(_ client: KubeClient, _ name: String, cpu: String) async throws {
        let nodes = client.resource(CoreV1.Node.self)
        var node = try await nodes.create(Fixtures.node(name, cpu: cpu))
        if node.status?.allocatable == nil {
            node.status = Fixtures.node(name, cpu: cpu).status
            _ = try await nodes.updateStatus(node)
        }
    }

    func withScheduler(_ body: @Sendable (KubeClient) async throws -> Void) async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let logger = Logger(label: "scheduler-test", factory: { _ in SwiftLogNoOpLogHandler() })
            let informers = InformerFactory(client: client, logger: logger)
            let scheduler = Scheduler(client: client, informers: informers, logger: logger)
            let informerTask = Task { await informers.run() }
            let schedulerTask = Task { try await scheduler.run() }
            defer {
                schedulerTask.cancel()
                informerTask.cancel()
            }
            try await body(client)
            schedulerTask.cancel()
            informerTask.cancel()
            _ = await schedulerTask.result
        }
    }

    func events(_ client: KubeClient, reason: String, object: String) async throws -> [CoreV1.Event] {
        try await client.resource(CoreV1.Event.self).list(namespace: "default").items
            .filter { $0.reason == reason && $0.involvedObject?.name == object }
    }

    @Test func bindsPendingPodsAndRecordsScheduled() async throws {
        try await withScheduler { client in
            try await createNode(client, "node-a", cpu: "2")
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(Fixtures.pod("web", cpu: "500m"), namespace: "default")
            let node = try await eventually("binding", timeout: .seconds(60)) {
                try await pods.get("web", namespace: "default").spec?.nodeName
            }
            #expect(node == "node-a")
            let scheduled = try await eventually("Scheduled event", timeout: .seconds(60)) {
                try await events(client, reason: "Scheduled", object: "web").first
            }
            #expect(scheduled.message == "Successfully assigned default/web to node-a")
            #expect(scheduled.type == "Normal")

            // Another scheduler's pods are left alone.
            var foreign = Fixtures.pod("foreign")
            foreign.spec?.schedulerName = "other-scheduler"
            _ = try await pods.create(foreign, namespace: "default")
            _ = try await pods.create(Fixtures.pod("later"), namespace: "default")
            _ = try await eventually("second binding", timeout: .seconds(60)) { try await pods.get("later", namespace: "default").spec?.nodeName }
            #expect(try await pods.get("foreign", namespace: "default").spec?.nodeName == nil)
        }
    }

    @Test func unschedulablePodGetsConditionAndEvent() async throws {
        try await withScheduler { client in
            try await createNode(client, "node-a", cpu: "1")
            try await createNode(client, "node-b", cpu: "1")
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(Fixtures.pod("huge", cpu: "4"), namespace: "default")
            let expected = "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
            let condition = try await eventually("PodScheduled condition", timeout: .seconds(60)) {
                try await pods.get("huge", namespace: "default").status?.conditions?.first { $0.type == "PodScheduled" }
            }
            #expect(condition.status == "False")
            #expect(condition.reason == "Unschedulable")
            #expect(condition.message == expected)
            let event = try await eventually("FailedScheduling event", timeout: .seconds(60)) {
                try await events(client, reason: "FailedScheduling", object: "huge").first
            }
            #expect(event.type == "Warning")
            #expect(event.message == expected)

            // A new node with room makes the parked pod schedulable.
            try await createNode(client, "node-big", cpu: "8")
            let node = try await eventually("binding after node add", timeout: .seconds(60)) { try await pods.get("huge", namespace: "default").spec?.nodeName }
            #expect(node == "node-big")
        }
    }

    @Test func preemptsLowerPriorityPodsUsingPriorityClasses() async throws {
        try await withScheduler { client in
            try await createNode(client, "node-a", cpu: "1")
            _ = try await client.resource(SchedulingV1.PriorityClass.self).create(
                SchedulingV1.PriorityClass(metadata: MetaV1.ObjectMeta(name: "important"), value: 1000))
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(Fixtures.pod("low", cpu: "800m"), namespace: "default")
            _ = try await eventually("low bound", timeout: .seconds(60)) { try await pods.get("low", namespace: "default").spec?.nodeName }

            var vip = Fixtures.pod("vip", cpu: "800m")
            vip.spec?.priorityClassName = "important"
            _ = try await pods.create(vip, namespace: "default")
            let nominated = try await eventually("nomination", timeout: .seconds(60)) {
                try await pods.get("vip", namespace: "default").status?.nominatedNodeName
            }
            #expect(nominated == "node-a")
            let preempted = try await eventually("Preempted event", timeout: .seconds(60)) { try await events(client, reason: "Preempted", object: "low").first }
            #expect(preempted.message?.hasPrefix("Preempted by pod ") == true)
            #expect(preempted.message?.hasSuffix(" on node node-a") == true)
            // The victim is gone or terminating (no kubelet finishes it here).
            let victimGone = try await eventually("victim deletion", timeout: .seconds(60)) { () -> Bool? in
                do {
                    let low = try await pods.get("low", namespace: "default")
                    guard low.metadata.deletionTimestamp != nil else { return nil }
                    let condition = low.status?.conditions?.first { $0.type == "DisruptionTarget" }
                    #expect(condition?.reason == "PreemptionByScheduler")
                    return true
                } catch let error as StatusError where error.code == 404 {
                    return true
                }
            }
            #expect(victimGone)
        }
    }
}

extension SchedulerWiringTests {
    @Test func bindsManyPodsWithinNodeCapacity() async throws {
        try await withScheduler { client in
            for i in 0..<4 {
                let nodes = client.resource(CoreV1.Node.self)
                var node = try await nodes.create(Fixtures.node("node-\(i)", pods: "30"))
                if node.status?.allocatable == nil {
                    node.status = Fixtures.node("node-\(i)", pods: "30").status
                    _ = try await nodes.updateStatus(node)
                }
            }
            let pods = client.resource(CoreV1.Pod.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<100 {
                    group.addTask { _ = try await pods.create(Fixtures.pod("p-\(i)", cpu: "10m"), namespace: "default") }
                }
                try await group.waitForAll()
            }
            let placed = try await eventually("all bound", timeout: .seconds(60)) { () -> [String]? in
                let items = try await pods.list(namespace: "default").items
                let nodes = items.compactMap(\.spec?.nodeName)
                return nodes.count == 100 ? nodes : nil
            }
            var perNode: [String: Int] = [:]
            for node in placed { perNode[node, default: 0] += 1 }
            #expect(perNode.count == 4)
            #expect(perNode.values.allSatisfy { $0 <= 30 })
        }
    }
}
