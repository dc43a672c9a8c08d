import KubeAPI
import Testing
@testable import Scheduler

@Suite struct PodRequestsTests {
    static func container(_ cpu: String?, _ memory: String?, restartPolicy: String? = nil) -> CoreV1.Container {
        var list: [String: Quantity] = [:]
        if let cpu { list["cpu"] = Quantity(cpu) }
        if let memory { list["memory"] = Quantity(memory) }
        return CoreV1.Container(name: "c", resources: CoreV1.ResourceRequirements(requests: list), restartPolicy: restartPolicy)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var containers: [CoreV1.Container]
        var initContainers: [CoreV1.Container] = []
        var overhead: [String: Quantity]? = nil
        var cpu: Int64
        var memory: Int64
        var nonZeroCPU: Int64
        var nonZeroMemory: Int64
        var testDescription: String { name }
    }

    static let mi: Int64 = 1024 * 1024
    static let cases: [Case] = [
        Case(name: "sum of containers", containers: [container("100m", "64Mi"), container("250m", "128Mi")],
             cpu: 350, memory: 192 * mi, nonZeroCPU: 350, nonZeroMemory: 192 * mi),
        Case(name: "no requests use scoring defaults", containers: [container(nil, nil)],
             cpu: 0, memory: 0, nonZeroCPU: 100, nonZeroMemory: 200 * mi),
        Case(name: "init container raises the maximum", containers: [container("100m", "64Mi")],
             initContainers: [container("1", "32Mi")], cpu: 1000, memory: 64 * mi, nonZeroCPU: 1000, nonZeroMemory: 64 * mi),
        Case(name: "sidecar adds to containers and later init steps", containers: [container("100m", "64Mi")],
             initContainers: [container("200m", "10Mi", restartPolicy: "Always"), container("500m", "10Mi")],
             cpu: 700, memory: 74 * mi, nonZeroCPU: 700, nonZeroMemory: 74 * mi),
        Case(name: "overhead is added", containers: [container("100m", "64Mi")],
             overhead: ["cpu": Quantity("50m"), "memory": Quantity("1Mi")],
             cpu: 150, memory: 65 * mi, nonZeroCPU: 150, nonZeroMemory: 65 * mi),
    ]

    @Test(arguments: cases)
    func requests(_ c: Case) {
        let pod = CoreV1.Pod(spec: CoreV1.PodSpec(containers: c.containers, initContainers: c.initContainers, overhead: c.overhead))
        let requests = PodRequests(pod: pod)
        #expect(requests.requested.milliCPU == c.cpu)
        #expect(requests.requested.memory == c.memory)
        #expect(requests.requested.pods == 1)
        #expect(requests.nonZeroMilliCPU == c.nonZeroCPU)
        #expect(requests.nonZeroMemory == c.nonZeroMemory)
    }

    @Test func extendedResourcesAreScalarAndKubernetesNamesAreNot() {
        let amounts = ResourceAmounts(["example.com/gpu": Quantity("2"), "hugepages-2Mi": Quantity("4Mi"),
                                       "kubernetes.io/something": Quantity("1"), "cpu": Quantity("1500m")])
        #expect(amounts.milliCPU == 1500)
        #expect(amounts.scalar == ["example.com/gpu": 2, "hugepages-2Mi": 4 * 1024 * 1024])
    }

    @Test func nodeInfoAggregatesAndReleasesPods() {
        let info = NodeInfo(node: Fixtures.node("n1"))
        let a = PodInfo(Fixtures.pod("a", cpu: "1", memory: "1Gi", nodeName: "n1", hostPorts: [80]))
        let b = PodInfo(Fixtures.pod("b", cpu: "500m", nodeName: "n1"))
        info.addPod(a)
        info.addPod(b)
        #expect(info.requested.milliCPU == 1500)
        #expect(info.requested.pods == 2)
        #expect(info.nonZeroMemory == 1024 * 1024 * 1024 + PodRequests.defaultMemory)
        #expect(info.usedPorts == [HostPort(port: 80)])
        #expect(info.removePod(key: "default/a") === a)
        #expect(info.requested.milliCPU == 500)
        #expect(info.usedPorts.isEmpty)
        #expect(info.removePod(key: "default/missing") == nil)
    }
}
