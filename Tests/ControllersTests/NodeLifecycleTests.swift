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
