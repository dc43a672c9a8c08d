import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Endpoint computations")
struct EndpointComputationTests {
    static let service = CoreV1.Service(
        metadata: .init(labels: ["tier": "web"], name: "web", namespace: "default", uid: "svc-uid"),
        spec: CoreV1.ServiceSpec(ports: [
            CoreV1.ServicePort(name: "http", port: 80, protocol: "TCP", targetPort: .string("http")),
            CoreV1.ServicePort(name: "metrics", port: 9090, protocol: "TCP", targetPort: .int(9100)),
        ], selector: ["app": "web"]))

    static func pod(_ name: String, ip: String?, ready: Bool, httpPort: Int? = 8080, terminating: Bool = false, phase: String = "Running") -> CoreV1.Pod {
        var pod = testPod(name, labels: ["app": "web"], node: "n1", ports: httpPort.map { [CoreV1.ContainerPort(containerPort: $0, name: "http")] } ?? [])
        pod.metadata.uid = "uid-\(name)"
        if terminating { pod.metadata.deletionTimestamp = Time(secondsSinceEpoch: 1) }
        pod.status = CoreV1.PodStatus(conditions: [CoreV1.PodCondition(status: ready ? "True" : "False", type: "Ready")], phase: phase, podIP: ip)
        return pod
    }

    @Test func namedTargetPortsResolvePerPod() {
        let ports = ServiceEndpoints.ports(of: Self.service, on: Self.pod("a", ip: "10.42.0.5", ready: true, httpPort: 8081))
        #expect(ports == [
            ServiceEndpoints.ResolvedPort(name: "http", port: 8081, protocol: "TCP"),
            ServiceEndpoints.ResolvedPort(name: "metrics", port: 9100, protocol: "TCP"),
        ])
        // No container port of that name: only the numeric one.
        #expect(ServiceEndpoints.ports(of: Self.service, on: Self.pod("b", ip: "10.42.0.6", ready: true, httpPort: nil)).map(\.port) == [9100])
    }

    @Test func slicesGroupByPortsAndCarryConditions() throws {
        let pods = [
            Self.pod("a", ip: "10.42.0.5", ready: true),
            Self.pod("b", ip: "10.42.0.4", ready: false),
            Self.pod("c", ip: "10.42.0.7", ready: true, terminating: true),
            Self.pod("d", ip: nil, ready: true),
            Self.pod("e", ip: "10.42.0.9", ready: true, phase: "Succeeded"),
            Self.pod("f", ip: "10.42.0.8", ready: true, httpPort: 8081),
        ]
        let slices = EndpointSliceComputation.slices(for: Self.service, pods: pods)
        #expect(slices.count == 2)
        let main = try #require(slices.first { $0.ports.contains { $0.port == 8080 } })
        #expect(main.endpoints.map { $0.addresses ?? [] } == [["10.42.0.4"], ["10.42.0.5"], ["10.42.0.7"]])
        #expect(main.endpoints.map { $0.conditions?.ready } == [false, true, false])
        #expect(main.endpoints.map { $0.conditions?.serving } == [false, true, true])
        #expect(main.endpoints.map { $0.conditions?.terminating } == [false, false, true])
        #expect(main.endpoints[1].targetRef?.name == "a")
        #expect(main.endpoints[1].nodeName == "n1")
        #expect(EndpointSliceComputation.labels(for: Self.service) == [
            "tier": "web", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        ])
    }

    @Test(arguments: [(0, [0]), (1, [1]), (100, [100]), (250, [100, 100, 50])])
    func slicesHoldAtMostOneHundredEndpoints(pods count: Int, sizes: [Int]) {
        let pods = (0..<count).map { Self.pod("p\($0)", ip: "10.42.\($0 / 250).\($0 % 250)", ready: true) }
        #expect(EndpointSliceComputation.slices(for: Self.service, pods: pods).map(\.endpoints.count) == sizes)
    }

    @Test func publishNotReadyAddressesMakesEveryPodReady() {
        var service = Self.service
        service.spec?.publishNotReadyAddresses = true
        let slices = EndpointSliceComputation.slices(for: service, pods: [Self.pod("b", ip: "10.42.0.4", ready: false)])
        #expect(slices.first?.endpoints.first?.conditions?.ready == true)
        #expect(EndpointsComputation.subsets(for: service, pods: [Self.pod("b", ip: "10.42.0.4", ready: false)]).first?.addresses?.count == 1)
    }

    @Test func legacySubsetsSplitReadyAndNotReady() {
        let subsets = EndpointsComputation.subsets(for: Self.service, pods: [
            Self.pod("a", ip: "10.42.0.5", ready: true), Self.pod("b", ip: "10.42.0.4", ready: false),
            Self.pod("c", ip: "10.42.0.7", ready: true, terminating: true),
        ])
        #expect(subsets.count == 1)
        #expect(subsets.first?.addresses?.map(\.ip) == ["10.42.0.5"])
        #expect(subsets.first?.notReadyAddresses?.map(\.ip) == ["10.42.0.4"])
        #expect(subsets.first?.ports?.map(\.port) == [8080, 9100])
    }
}
