import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Resource quota usage")
struct ResourceQuotaTests {
    static func pod(_ name: String, cpu: String, memory: String, phase: String = "Running") -> CoreV1.Pod {
        var pod = testPod(name)
        pod.spec?.containers?[0].resources = CoreV1.ResourceRequirements(
            limits: ["cpu": Quantity(cpu), "memory": Quantity(memory)], requests: ["cpu": Quantity(cpu), "memory": Quantity(memory)])
        pod.status = CoreV1.PodStatus(phase: phase)
        return pod
    }

    @Test func countsAndSums() {
        let usage = QuotaUsage(
            pods: [Self.pod("a", cpu: "500m", memory: "1Gi"), Self.pod("b", cpu: "250m", memory: "512Mi"), Self.pod("done", cpu: "4", memory: "4Gi", phase: "Succeeded")],
            services: [CoreV1.Service(metadata: .init(name: "s"), spec: CoreV1.ServiceSpec(type: "ClusterIP"))],
            counts: ["configmaps": 3])
        let used = usage.used(for: [
            "pods": "10", "count/pods": "10", "requests.cpu": "2", "limits.memory": "4Gi", "services": "5", "configmaps": "5",
            "count/configmaps": "5", "services.loadbalancers": "1", "example.com/unknown": "1",
        ])
        #expect(used["pods"] == Quantity(2))
        #expect(used["count/pods"] == Quantity(2))
        #expect(used["requests.cpu"] == Quantity("750m"))
        #expect(used["limits.memory"] == Quantity("1536Mi"))
        #expect(used["services"] == Quantity(1))
        #expect(used["services.loadbalancers"] == Quantity(0))
        #expect(used["configmaps"] == Quantity(3))
        #expect(used["count/configmaps"] == Quantity(3))
        #expect(used["example.com/unknown"] == nil)
    }
}
