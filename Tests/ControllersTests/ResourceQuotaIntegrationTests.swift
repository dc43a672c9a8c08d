import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Resource quota controller against an API server", .timeLimit(.minutes(2)))
struct ResourceQuotaIntegrationTests {
    @Test
    func statusFollowsTheNamespace() async throws {
        try await withControllers({ [ResourceQuotaController(context: $0)] }) { _, client in
            let quotas = client.resource(CoreV1.ResourceQuota.self)
            _ = try await quotas.create(CoreV1.ResourceQuota(
                metadata: .init(name: "q", namespace: "default"), spec: CoreV1.ResourceQuotaSpec(hard: ["pods": "5", "configmaps": "10"])))
            _ = try await client.resource(CoreV1.Pod.self).create(testPod("p1"))
            try await eventually("usage counted") {
                let status = try await quotas.get("q", namespace: "default").status
                return status?.hard?["pods"] == Quantity(5) && status?.used?["pods"] == Quantity(1) && status?.used?["configmaps"] != nil
            }
        }
    }
}
