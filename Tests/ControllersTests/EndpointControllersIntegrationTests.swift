import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Endpoint controllers against an API server", .timeLimit(.minutes(2)))
struct EndpointControllersIntegrationTests {
    @Test func serviceWithReadyPodsGetsSlicesAndEndpoints() async throws {
        try await withControllers({ [EndpointSliceController(context: $0), EndpointsController(context: $0)] }) { _, client in
            let service = try await client.resource(CoreV1.Service.self).create(CoreV1.Service(
                metadata: .init(name: "web", namespace: "default"),
                spec: CoreV1.ServiceSpec(ports: [CoreV1.ServicePort(name: "http", port: 80, targetPort: .string("http"))], selector: ["app": "web"])))
            let pods = client.resource(CoreV1.Pod.self)
            for (index, name) in ["web-a", "web-b"].enumerated() {
                _ = try await pods.create(testPod(name, labels: ["app": "web"], node: "n1", ports: [CoreV1.ContainerPort(containerPort: 8080, name: "http")]))
                try await setPodStatus(client, name, ip: "10.42.0.\(10 + index)", ready: true)
            }
            _ = try await pods.create(testPod("other", labels: ["app": "db"]))
            let slices = client.resource(DiscoveryV1.EndpointSlice.self)
            try await eventually("slice lists both pods") {
                let list = try await slices.list(namespace: "default", options: ListOptions(labelSelector: "kubernetes.io/service-name=web"))
                return list.items.count == 1 && list.items[0].endpoints?.count == 2
            }
            let slice = try await slices.list(namespace: "default", options: ListOptions(labelSelector: "kubernetes.io/service-name=web")).items[0]
            #expect(slice.metadata.name?.hasPrefix("web-") == true)
            #expect(slice.addressType == "IPv4")
            #expect(slice.metadata.labels?["endpointslice.kubernetes.io/managed-by"] == "endpointslice-controller.k8s.io")
            #expect(slice.metadata.ownerReferences?.first?.uid == service.metadata.uid)
            #expect(slice.ports == [DiscoveryV1.EndpointPort(name: "http", port: 8080, protocol: "TCP")])
            #expect(slice.endpoints?.map { $0.addresses ?? [] } == [["10.42.0.10"], ["10.42.0.11"]])
            #expect(slice.endpoints?.allSatisfy { $0.conditions?.ready == true } == true)

            let endpoints = client.resource(CoreV1.Endpoints.self)
            try await eventually("endpoints list both pods") {
                try await endpoints.get("web", namespace: "default").subsets?.first?.addresses?.count == 2
            }
            // A pod turning unready moves to notReadyAddresses and ready=false.
            try await setPodStatus(client, "web-b", ip: "10.42.0.11", ready: false)
            try await eventually("unready pod reported") {
                let subset = try await endpoints.get("web", namespace: "default").subsets?.first
                let slice = try await slices.list(namespace: "default", options: ListOptions(labelSelector: "kubernetes.io/service-name=web")).items.first
                return subset?.notReadyAddresses?.map(\.ip) == ["10.42.0.11"]
                    && slice?.endpoints?.first { $0.addresses == ["10.42.0.11"] }?.conditions?.ready == false
            }
            // Deleting the service removes the legacy object.
            try await client.resource(CoreV1.Service.self).delete("web", namespace: "default")
            try await eventually("endpoints deleted with the service") { await isGone(endpoints, "web", namespace: "default") }
        }
    }
}
