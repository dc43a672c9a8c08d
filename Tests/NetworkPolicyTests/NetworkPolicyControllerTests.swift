import ClusterTesting
import KubeAPI
import KubeClient
import NFTables
import Testing

@testable import NetworkPolicy

@Suite("NetworkPolicyController against an API server", .timeLimit(.minutes(1)))
struct NetworkPolicyControllerTests {
    static func controller(_ client: KubeClient, _ runner: RecordingNFTablesRunner, debounce: Duration = .milliseconds(100)) -> NetworkPolicyController {
        NetworkPolicyController(
            configuration: .init(nodeName: "node-a", podCIDRs: [IPPrefix("10.42.0.0/24")!]),
            informers: InformerFactory(client: client, logger: Fixtures.logger), runner: runner, bridgeNetfilter: nil,
            debounce: debounce, retryDelay: .milliseconds(50), logger: Fixtures.logger)
    }

    @Test func policiesPodsAndNamespacesBecomeOneTableInDebouncedSyncs() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let runner = RecordingNFTablesRunner()
            let controller = Self.controller(client, runner)
            let pods = client.resource(CoreV1.Pod.self)
            let task = Task { await controller.run() }
            defer { task.cancel() }

            try await eventually("the first sync builds an empty table") { controller.status.appliedSyncs == 1 }
            #expect(runner.scripts.first?.hasPrefix("add table inet k3s-swift-policy\ndelete table inet k3s-swift-policy\n") == true)
            #expect(controller.status.isolatedPods == 0)

            try await Fixtures.createPod(pods, "web", labels: ["app": "web"], node: "node-a", ips: ["10.42.0.10"])
            try await Fixtures.createPod(pods, "client", labels: ["role": "client"], node: "node-b", ips: ["10.42.1.20"])
            let policies = client.resource(NetworkingV1.NetworkPolicy.self)
            _ = try await policies.create(Fixtures.policy(
                "web", selecting: ["app": "web"], ingress: [.init(from: [Fixtures.pods(["role": "client"])], ports: [Fixtures.tcp("http")])]))
            try await eventually("the web pod isolated, the client allowed on 8080") {
                runner.scripts.last.map {
                    $0.contains("add chain inet k3s-swift-policy ingress/default/web")
                        && $0.contains("add element inet k3s-swift-policy ingress-ipv4 { 10.42.0.10 : jump ingress/default/web }")
                        && $0.contains("meta l4proto tcp th dport { 8080 } return") && $0.contains("10.42.1.20")
                } == true
            }
            // The remote pod is a peer, never a local pod.
            #expect(controller.status.isolatedPods == 1)
            #expect(runner.scripts.allSatisfy { $0.hasPrefix("add table inet k3s-swift-policy\ndelete table") })

            // A burst of pod changes lands as few transactions, ending in the final state.
            let before = runner.scripts.count
            for index in 0..<8 {
                try await Fixtures.createPod(pods, "client-\(index)", labels: ["role": "client"], node: "node-b", ips: ["10.42.1.\(30 + index)"])
            }
            try await eventually("all eight new clients allowed") { runner.scripts.last?.contains("10.42.1.37") == true }
            #expect(runner.scripts.count - before < 8)

            // Nothing that matters changes: nothing is applied.
            let settled = runner.scripts.count
            let evaluated = controller.status.evaluatedSyncs
            _ = try await client.resource(CoreV1.Namespace.self).create(CoreV1.Namespace(metadata: .init(name: "unrelated")))
            try await eventually("the new namespace evaluated") { controller.status.evaluatedSyncs > evaluated }
            #expect(runner.scripts.count == settled)

            // The policy goes: the pod is open again.
            _ = try await policies.delete("web", namespace: "default")
            try await eventually("the web pod no longer isolated") {
                runner.scripts.last.map { !$0.contains("ingress/default/web") } == true && controller.status.isolatedPods == 0
            }

            task.cancel()
            try await controller.tearDown()
            #expect(runner.scripts.last == "add table inet k3s-swift-policy\ndelete table inet k3s-swift-policy\n")
        }
    }

    @Test func aFailedSyncIsRetriedWithTheWholeTable() async throws {
        try await TestAPIServer.with { server in
            let runner = RecordingNFTablesRunner()
            runner.failNext()
            let controller = Self.controller(server.client(), runner, debounce: .milliseconds(10))
            let task = Task { await controller.run() }
            defer { task.cancel() }
            try await eventually("a sync after the failure") { controller.status.appliedSyncs == 1 }
            #expect(runner.scripts.count == 2)
            #expect(runner.scripts[0] == runner.scripts[1])
            #expect(controller.status.lastError == nil)
        }
    }
}
