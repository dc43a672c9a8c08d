import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

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
