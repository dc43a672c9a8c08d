import KubeAPI
import Testing
@testable import Kubelet

@Suite("Node object and conditions")
struct NodeStatusBuilderTests {
    let now = Time(secondsSinceEpoch: 1_000)
    func builder(podCIDR: String? = "10.42.1.0/24", wait: Bool = true) -> NodeStatusBuilder {
        NodeStatusBuilder(
            configuration: KubeletConfiguration(nodeName: "node-a", nodeIP: "10.0.0.7", labels: ["node-role.kubernetes.io/worker": "true"],
                                                podCIDR: podCIDR, waitForPodCIDR: wait),
            runtimeVersion: CRI.Version(runtimeName: "containerd", runtimeVersion: "2.1.4-k3s1"))
    }

    @Test func theRegisteredNodeCarriesEverything() throws {
        let node = builder().node(readiness: .ready, now: now)
        #expect(node.metadata.name == "node-a")
        let labels = try #require(node.metadata.labels)
        #expect(labels["kubernetes.io/hostname"] == "node-a")
        #expect(labels["kubernetes.io/os"] == "linux")
        #expect(labels["kubernetes.io/arch"] == "amd64")
        #expect(labels["node.kubernetes.io/instance-type"] == "k3s")
        #expect(labels["node-role.kubernetes.io/worker"] == "true")
        #expect(node.spec?.podCIDR == "10.42.1.0/24")
        #expect(node.spec?.podCIDRs == ["10.42.1.0/24"])
        let status = try #require(node.status)
        #expect(status.capacity?["pods"] == Quantity("110"))
        #expect(status.allocatable == status.capacity)
        #expect(status.addresses == [CoreV1.NodeAddress(address: "10.0.0.7", type: "InternalIP"), CoreV1.NodeAddress(address: "node-a", type: "Hostname")])
        #expect(status.daemonEndpoints?.kubeletEndpoint?.Port == 10250)
        #expect(status.nodeInfo?.kubeletVersion == "v1.36.2+k3s-swift")
        #expect(status.nodeInfo?.containerRuntimeVersion == "containerd://2.1.4-k3s1")
        #expect(status.nodeInfo?.operatingSystem == "linux")
        #expect(status.nodeInfo?.systemUUID?.count == 36)
        #expect(status.conditions?.map(\.type) == ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"])
        let ready = try #require(status.conditions?.last)
        #expect(ready.status == "True")
        #expect(ready.reason == "KubeletReady")
        #expect(ready.message == "kubelet is posting ready status")
        #expect(ready.lastHeartbeatTime == now)
        #expect(status.conditions?.dropLast().allSatisfy { $0.status == "False" } == true)
    }

    @Test func withoutAPodCIDRTheNodeIsNotReadyUnlessItNeedNotWait() {
        let runtime = CRI.RuntimeStatus(conditions: [
            CRI.RuntimeCondition(type: "RuntimeReady", status: true),
            CRI.RuntimeCondition(type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "no pod CIDR configured"),
        ])
        let waiting = builder(podCIDR: nil).readiness(runtime: runtime)
        #expect(!waiting.ready)
        #expect(waiting.message.contains("NetworkReady=false reason:NetworkPluginNotReady"))
        let condition = builder(podCIDR: nil).conditions(readiness: waiting, old: nil, now: now).last
        #expect(condition?.status == "False")
        #expect(condition?.reason == "KubeletNotReady")
        #expect(builder(podCIDR: nil, wait: false).readiness(runtime: runtime).ready)
    }

    @Test func heartbeatsAloneAreNoChange() {
        let builder = builder()
        let old = builder.conditions(readiness: .ready, old: nil, now: now)
        let later = builder.conditions(readiness: .ready, old: old, now: Time(secondsSinceEpoch: 2_000))
        #expect(!NodeStatusBuilder.conditionsChanged(old, later))
        #expect(later.last?.lastTransitionTime == now)
        #expect(later.last?.lastHeartbeatTime == Time(secondsSinceEpoch: 2_000))
        let notReady = builder.conditions(readiness: .init(ready: false, message: "x"), old: old, now: Time(secondsSinceEpoch: 2_000))
        #expect(NodeStatusBuilder.conditionsChanged(old, notReady))
        #expect(notReady.last?.lastTransitionTime == Time(secondsSinceEpoch: 2_000))
    }
}
