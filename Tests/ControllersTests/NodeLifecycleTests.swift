import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Node health rules")
struct NodeHealthTests {
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    static func node(ready: String?, taints: [CoreV1.Taint] = [], extra: [CoreV1.NodeCondition] = []) -> CoreV1.Node {
        var conditions = extra
        if let ready { conditions.append(CoreV1.NodeCondition(reason: "KubeletReady", status: ready, type: "Ready")) }
        return CoreV1.Node(metadata: .init(name: "n1"), spec: CoreV1.NodeSpec(taints: taints.isEmpty ? nil : taints), status: CoreV1.NodeStatus(conditions: conditions))
    }

    @Test func silentNodeTurnsUnknownOnlyAfterGrace() throws {
        let node = Self.node(ready: "True")
        #expect(NodeHealth.silentConditions(of: node, lastHeard: Self.start, now: Self.start.addingTimeInterval(40), gracePeriod: .seconds(40)) == nil)
        let conditions = try #require(NodeHealth.silentConditions(of: node, lastHeard: Self.start, now: Self.start.addingTimeInterval(41), gracePeriod: .seconds(40)))
        let ready = try #require(conditions.first { $0.type == "Ready" })
        #expect(ready.status == "Unknown")
        #expect(ready.reason == "NodeStatusUnknown")
        #expect(ready.message == "Kubelet stopped posting node status.")
        #expect(Set(conditions.compactMap(\.type)) == ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"])
        #expect(conditions.first { $0.type == "MemoryPressure" }?.reason == "NodeStatusNeverUpdated")
        // Already unknown: nothing more to write.
        var unknown = node
        unknown.status?.conditions = conditions
        #expect(NodeHealth.silentConditions(of: unknown, lastHeard: Self.start, now: Self.start.addingTimeInterval(100), gracePeriod: .seconds(40)) == nil)
    }

    @Test(arguments: [
        ("True", [String]()),
        ("Unknown", ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]),
        ("False", ["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"]),
    ])
    func taintsFollowReadiness(ready: String, expected: [String]) {
        let foreign = CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "gpu")
        let taints = NodeHealth.desiredTaints(of: Self.node(ready: ready, taints: [foreign]), now: Self.start)
        #expect(taints.first == foreign)
        #expect(taints.dropFirst().map { "\($0.key ?? ""):\($0.effect ?? "")" } == expected)
        #expect(taints.dropFirst().allSatisfy { $0.timeAdded == Time(Self.start) })
    }

    @Test func existingTaintsKeepTheirTimeAndStaleOnesGo() {
        let old = CoreV1.Taint(effect: "NoExecute", key: "node.kubernetes.io/unreachable", timeAdded: Time(secondsSinceEpoch: 5))
        let stale = CoreV1.Taint(effect: "NoSchedule", key: "node.kubernetes.io/not-ready", timeAdded: Time(secondsSinceEpoch: 5))
        let pressure = CoreV1.NodeCondition(status: "True", type: "DiskPressure")
        let taints = NodeHealth.desiredTaints(of: Self.node(ready: "Unknown", taints: [old, stale], extra: [pressure]), now: Self.start)
        #expect(taints.contains(old))
        #expect(!taints.contains(stale))
        #expect(taints.contains { $0.key == "node.kubernetes.io/disk-pressure" && $0.effect == "NoSchedule" })
    }
}

@Suite("Taint eviction rules")
struct TaintEvictionTests {
    static let now = Date(timeIntervalSince1970: 1_900_000_100)
    static let taint = CoreV1.Taint(effect: "NoExecute", key: "node.kubernetes.io/unreachable", timeAdded: Time(secondsSinceEpoch: 1_900_000_000))

    static func pod(_ tolerations: [CoreV1.Toleration]) -> CoreV1.Pod { testPod("p", tolerations: tolerations) }

    @Test(arguments: [
        ([CoreV1.Toleration](), 100.0 as Double?),
        ([CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 300)], 300.0),
        ([CoreV1.Toleration(key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 30),
          CoreV1.Toleration(operator: "Exists", tolerationSeconds: 60)], 30.0),
        ([CoreV1.Toleration(operator: "Exists")], nil),
        ([CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/unreachable", operator: "Exists")], 100.0),
        ([CoreV1.Toleration(key: "node.kubernetes.io/unreachable", operator: "Equal", tolerationSeconds: 5, value: "x")], 100.0),
    ])
    func evictionTime(tolerations: [CoreV1.Toleration], secondsAfterTaint: Double?) {
        // 100 seconds after the taint means "now" (not tolerated at all).
        let expected = secondsAfterTaint.map { Date(timeIntervalSince1970: 1_900_000_000 + $0) }
        #expect(TaintEviction.evictionTime(of: Self.pod(tolerations), taints: [Self.taint], now: Self.now) == expected)
    }

    @Test func noExecuteTaintsOnlyMatter() {
        let soft = CoreV1.Taint(effect: "NoSchedule", key: "node.kubernetes.io/unreachable")
        #expect(TaintEviction.evictionTime(of: Self.pod([]), taints: [soft], now: Self.now) == nil)
    }
}

@Suite("Node lifecycle against an API server", .timeLimit(.minutes(2)))
struct NodeLifecycleIntegrationTests {
    @Test func staleLeaseMakesNodeUnknownTaintedAndEvictsPods() async throws {
        let clock = TestClock()
        try await withControllers(clock: clock, { [NodeLifecycleController(context: $0, monitorPeriod: .milliseconds(20))] }) { _, client in
            let nodes = client.resource(CoreV1.Node.self)
            _ = try await client.resource(CoordinationV1.Lease.self).create(CoordinationV1.Lease(
                metadata: .init(name: "n1", namespace: "kube-node-lease"),
                spec: CoordinationV1.LeaseSpec(holderIdentity: "n1", leaseDurationSeconds: 40, renewTime: MicroTime(clock.now()))))
            _ = try await nodes.create(CoreV1.Node(metadata: .init(name: "n1"), spec: CoreV1.NodeSpec(unschedulable: true)))
            var node = try await nodes.get("n1")
            node.status = CoreV1.NodeStatus(conditions: [CoreV1.NodeCondition(
                lastHeartbeatTime: Time(clock.now()), lastTransitionTime: Time(clock.now()), reason: "KubeletReady", status: "True", type: "Ready")])
            _ = try await nodes.updateStatus(node)
            // The unschedulable taint shows the controller has seen the node (and its lease).
            try await eventually("unschedulable taint") {
                try await nodes.get("n1").spec?.taints?.map { $0.key ?? "" } == ["node.kubernetes.io/unschedulable"]
            }
            _ = try await nodes.patch("n1", type: .merge, body: ["spec": ["unschedulable": .null]])
            try await eventually("taint gone with unschedulable") { try await nodes.get("n1").spec?.taints == nil }
            let pods = client.resource(CoreV1.Pod.self)
            // The API server adds the 300 s not-ready/unreachable tolerations to "patient".
            _ = try await pods.create(testPod("patient", node: "n1"))
            _ = try await pods.create(testPod("quick", node: "n1", tolerations: [
                CoreV1.Toleration(effect: "NoExecute", key: "node.kubernetes.io/unreachable", operator: "Exists", tolerationSeconds: 10),
            ]))
            #expect(try await pods.get("patient", namespace: "default").spec?.tolerations?.contains {
                $0.key == "node.kubernetes.io/unreachable" && $0.tolerationSeconds == 300 } == true)
            try await setPodStatus(client, "patient", ip: "10.42.0.2", ready: true)
            try await setPodStatus(client, "quick", ip: "10.42.0.3", ready: true)

            clock.advance(seconds: 41)
            try await eventually("node unknown and tainted") {
                let node = try await nodes.get("n1")
                let ready = node.status?.conditions?.first { $0.type == "Ready" }
                let taints = Set((node.spec?.taints ?? []).map { "\($0.key ?? ""):\($0.effect ?? "")" })
                return ready?.status == "Unknown" && ready?.reason == "NodeStatusUnknown"
                    && taints == ["node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"]
            }
            try await eventually("pods marked not ready") {
                let pod = try await pods.get("patient", namespace: "default")
                return pod.status?.conditions?.first { $0.type == "Ready" }?.status == "False"
            }
            #expect(try await pods.get("quick", namespace: "default").metadata.deletionTimestamp == nil)

            clock.advance(seconds: 11)
            try await eventually("quick evicted after its 10 s") {
                try await pods.get("quick", namespace: "default").metadata.deletionTimestamp != nil
            }
            #expect(try await pods.get("patient", namespace: "default").metadata.deletionTimestamp == nil)

            clock.advance(seconds: 300)
            try await eventually("patient evicted after 300 s") {
                try await pods.get("patient", namespace: "default").metadata.deletionTimestamp != nil
            }

            // The kubelet coming back clears the taints.
            clock.advance(seconds: 1)
            var back = try await nodes.get("n1")
            back.status?.conditions = [CoreV1.NodeCondition(
                lastHeartbeatTime: Time(clock.now()), lastTransitionTime: Time(clock.now()), reason: "KubeletReady", status: "True", type: "Ready")]
            _ = try await nodes.updateStatus(back)
            try await eventually("taints removed") { try await nodes.get("n1").spec?.taints == nil }
        }
    }
}
