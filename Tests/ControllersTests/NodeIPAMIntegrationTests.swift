import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite("Node IPAM against an API server", .timeLimit(.minutes(2)))
struct NodeIPAMIntegrationTests {
    static func node(_ name: String, cidr: String? = nil) -> CoreV1.Node {
        CoreV1.Node(metadata: .init(name: name), spec: CoreV1.NodeSpec(podCIDR: cidr, podCIDRs: cidr.map { [$0] }))
    }

    @Test func assignsFreeRangesAndReusesReleasedOnes() async throws {
        try await withControllers(options: ControllerOptions(clusterCIDR: try #require(IPPrefix("10.42.0.0/23")), nodeCIDRMaskSize: 24), { context in
            [NodeIPAMController(context: context)]
        }) { server, client in
            let nodes = client.resource(CoreV1.Node.self)
            // A range a node already has is never handed out again.
            _ = try await nodes.create(Self.node("existing", cidr: "10.42.0.0/24"))
            _ = try await nodes.create(Self.node("n1"))
            try await eventually("n1 gets the other range") { try await nodes.get("n1").spec?.podCIDRs == ["10.42.1.0/24"] }
            #expect(try await nodes.get("n1").spec?.podCIDR == "10.42.1.0/24")

            _ = try await nodes.create(Self.node("n2"))
            try await eventually("exhaustion reported") {
                let events = try await client.resource(CoreV1.Event.self).list(namespace: "default")
                return events.items.contains { $0.reason == "CIDRNotAvailable" && $0.involvedObject?.name == "n2" }
            }
            #expect(try await nodes.get("n2").spec?.podCIDR == nil)

            try await nodes.delete("existing")
            try await eventually("n2 gets the released range") { try await nodes.get("n2").spec?.podCIDR == "10.42.0.0/24" }
            _ = server
        }
    }
}
