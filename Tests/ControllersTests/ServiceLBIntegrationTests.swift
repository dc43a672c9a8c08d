import ClusterTesting
import Controllers
import KubeAPI
import KubeClient
import Testing

@Suite("ServiceLB against an API server", .timeLimit(.minutes(2)))
struct ServiceLBIntegrationTests {
    typealias F = ServiceLBFixtures

    func withServiceLB(_ body: @Sendable (KubeClient) async throws -> Void) async throws {
        try await withControllers({ [ServiceLBController(context: $0)] }) { _, client in try await body(client) }
    }

    @Test func publishesEveryNodeAndRecordsTheChange() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            try await F.makeNode(client, "n2", internal: ["10.0.0.2"])
            _ = try await client.resource(CoreV1.Service.self).create(F.loadBalancer("web", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "web", ["10.0.0.1", "10.0.0.2"])
            let service = try await client.resource(CoreV1.Service.self).get("web", namespace: "default")
            #expect(service.status?.loadBalancer?.ingress?.allSatisfy { $0.ipMode == nil && $0.hostname == nil } == true)
            try await eventually("UpdatedLoadBalancer event") {
                try await !F.events(client, about: "web", reason: ServiceLBController.updatedReason).isEmpty
            }
        }
    }

    @Test func externalIPIsPublishedWhenANodeHasOne() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"], external: ["203.0.113.7"])
            _ = try await client.resource(CoreV1.Service.self).create(F.loadBalancer("web", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "web", ["203.0.113.7"])
        }
    }

    @Test func enableLBLabelAndPoolsRestrictTheNodes() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"], labels: [ServiceLBLabels.enableLB: "true", ServiceLBLabels.lbPool: "a"])
            try await F.makeNode(client, "n2", internal: ["10.0.0.2"])
            try await F.makeNode(client, "n3", internal: ["10.0.0.3"], labels: [ServiceLBLabels.enableLB: "true", ServiceLBLabels.lbPool: "b"])
            let services = client.resource(CoreV1.Service.self)
            _ = try await services.create(F.loadBalancer("web", ports: [(80, "TCP")]))
            _ = try await services.create(F.loadBalancer("pool-b", ports: [(81, "TCP")], labels: [ServiceLBLabels.lbPool: "b"]))
            try await F.expectIngress(client, "web", ["10.0.0.1", "10.0.0.3"])
            try await F.expectIngress(client, "pool-b", ["10.0.0.3"])
            // Labelling the last node brings it in.
            _ = try await client.resource(CoreV1.Node.self).patch(
                "n2", type: .merge, body: ["metadata": ["labels": [ServiceLBLabels.enableLB: "true"]]])
            try await F.expectIngress(client, "web", ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
            // enablelb=false on every node: no node is eligible.
            for node in ["n1", "n2", "n3"] {
                _ = try await client.resource(CoreV1.Node.self).patch(
                    node, type: .merge, body: ["metadata": ["labels": [ServiceLBLabels.enableLB: "false"]]])
            }
            try await F.expectIngress(client, "web", [])
            try await eventually("no-eligible-node warning") {
                try await F.events(client, about: "web", reason: ServiceLBController.unavailableReason)
                    .contains { $0.type == "Warning" && ($0.message ?? "").contains("no node can serve") }
            }
        }
    }

    @Test func excludedNotReadyAndTaintedNodesDoNotServeButCordonedOnesDo() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            try await F.makeNode(client, "excluded", internal: ["10.0.0.2"], labels: [ServiceLBLabels.excludeFromExternalLoadBalancers: ""])
            try await F.makeNode(client, "not-ready", internal: ["10.0.0.3"], ready: false)
            try await F.makeNode(client, "tainted", internal: ["10.0.0.4"], taints: [CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "db")])
            try await F.makeNode(client, "cordoned", internal: ["10.0.0.5"], unschedulable: true,
                                 taints: [CoreV1.Taint(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable")])
            try await F.makeNode(client, "server", internal: ["10.0.0.6"],
                                 taints: [CoreV1.Taint(effect: "NoSchedule", key: "node-role.kubernetes.io/control-plane")])
            _ = try await client.resource(CoreV1.Service.self).create(F.loadBalancer("web", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "web", ["10.0.0.1", "10.0.0.5", "10.0.0.6"])
        }
    }

    @Test func aClashingPortLeavesTheLaterServicePendingUntilTheFirstGoes() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            try await F.makeNode(client, "n2", internal: ["10.0.0.2"])
            let services = client.resource(CoreV1.Service.self)
            _ = try await services.create(F.loadBalancer("a-first", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "a-first", ["10.0.0.1", "10.0.0.2"])
            _ = try await services.create(F.loadBalancer("b-second", ports: [(443, "TCP"), (80, "TCP")]))
            _ = try await services.create(F.loadBalancer("c-other", ports: [(443, "TCP")]))
            try await F.expectIngress(client, "c-other", ["10.0.0.1", "10.0.0.2"])
            let warning = try await eventually("port-in-use warning") {
                try await F.events(client, about: "b-second", reason: ServiceLBController.unavailableReason).first
            }
            #expect(warning.type == "Warning")
            #expect(warning.message?.contains("80/TCP") == true)
            #expect(warning.message?.contains("every eligible node") == true)
            #expect(warning.message?.contains("default/a-first") == true)
            #expect(try await F.ingress(client, "b-second") == [])
            // The first Service goes: the second takes its port; c-other, created later, loses
            // 443 to it (claim order is creation time, then name).
            try await services.delete("a-first", namespace: "default")
            try await F.expectIngress(client, "b-second", ["10.0.0.1", "10.0.0.2"])
            try await F.expectIngress(client, "c-other", [])
        }
    }

    @Test func aNodeTakenByOneServiceLeavesTheOthersToAnother() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"], labels: [ServiceLBLabels.enableLB: "true", ServiceLBLabels.lbPool: "a"])
            try await F.makeNode(client, "n2", internal: ["10.0.0.2"], labels: [ServiceLBLabels.enableLB: "true"])
            let services = client.resource(CoreV1.Service.self)
            _ = try await services.create(F.loadBalancer("a-pool", ports: [(80, "TCP")], labels: [ServiceLBLabels.lbPool: "a"]))
            try await F.expectIngress(client, "a-pool", ["10.0.0.1"])
            _ = try await services.create(F.loadBalancer("b-any", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "b-any", ["10.0.0.2"])
        }
    }

    @Test func loadBalancerClassIsLeftAlone() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            let services = client.resource(CoreV1.Service.self)
            _ = try await services.create(F.loadBalancer("a-classed", ports: [(80, "TCP")], loadBalancerClass: "example.com/metal"))
            // A later Service on the same port is served: the classed one claims nothing.
            _ = try await services.create(F.loadBalancer("b-default", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "b-default", ["10.0.0.1"])
            #expect(try await F.ingress(client, "a-classed") == [])
            #expect(try await F.events(client, about: "a-classed", reason: ServiceLBController.unavailableReason).isEmpty)
        }
    }

    @Test func leavingTypeLoadBalancerClearsTheStatus() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            let services = client.resource(CoreV1.Service.self)
            _ = try await services.create(F.loadBalancer("web", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "web", ["10.0.0.1"])
            _ = try await services.patch("web", namespace: "default", type: .merge, body: ["spec": ["type": "ClusterIP"]])
            try await F.expectIngress(client, "web", [])
            let service = try await services.get("web", namespace: "default")
            #expect(service.status?.loadBalancer?.ingress == nil)
        }
    }

    @Test func nodesComingAndGoingUpdateTheAddresses() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            _ = try await client.resource(CoreV1.Service.self).create(F.loadBalancer("web", ports: [(80, "TCP")]))
            try await F.expectIngress(client, "web", ["10.0.0.1"])
            try await F.makeNode(client, "n2", internal: ["10.0.0.2"])
            try await F.expectIngress(client, "web", ["10.0.0.1", "10.0.0.2"])
            try await client.resource(CoreV1.Node.self).delete("n1")
            try await F.expectIngress(client, "web", ["10.0.0.2"])
            // A node turning not ready stops serving.
            var node = try await client.resource(CoreV1.Node.self).get("n2")
            node.status?.conditions = [CoreV1.NodeCondition(status: "False", type: "Ready")]
            _ = try await client.resource(CoreV1.Node.self).updateStatus(node)
            try await F.expectIngress(client, "web", [])
        }
    }

    @Test func externalTrafficPolicyLocalPublishesNodesWithAReadyEndpoint() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            try await F.makeNode(client, "n2", internal: ["10.0.0.2"])
            _ = try await client.resource(CoreV1.Service.self).create(
                F.loadBalancer("web", ports: [(80, "TCP")], externalTrafficPolicy: "Local"))
            try await eventually("no-local-endpoint warning") {
                try await F.events(client, about: "web", reason: ServiceLBController.unavailableReason)
                    .contains { ($0.message ?? "").contains("Local") }
            }
            _ = try await client.resource(DiscoveryV1.EndpointSlice.self).create(DiscoveryV1.EndpointSlice(
                addressType: "IPv4",
                endpoints: [
                    DiscoveryV1.Endpoint(addresses: ["10.42.1.5"], conditions: .init(ready: true), nodeName: "n2"),
                    DiscoveryV1.Endpoint(addresses: ["10.42.0.5"], conditions: .init(ready: false), nodeName: "n1"),
                ],
                metadata: .init(labels: ["kubernetes.io/service-name": "web"], name: "web-1", namespace: "default")))
            try await F.expectIngress(client, "web", ["10.0.0.2"])
        }
    }

    /// Bad input: the same number in two protocols is two ports, never a clash, within one
    /// Service or across two; a port listed twice in one protocol does not clash with itself.
    @Test func portNumbersInDifferentProtocolsDoNotClash() async throws {
        try await withServiceLB { client in
            try await F.makeNode(client, "n1", internal: ["10.0.0.1"])
            let services = client.resource(CoreV1.Service.self)
            _ = try await services.create(F.loadBalancer("a-dns", ports: [(53, "UDP"), (53, "TCP")]))
            _ = try await services.create(F.loadBalancer("b-udp", ports: [(5353, "UDP")]))
            _ = try await services.create(F.loadBalancer("c-tcp", ports: [(5353, "TCP")]))
            _ = try await services.create(F.loadBalancer("d-sctp", ports: [(53, "SCTP")]))
            for name in ["a-dns", "b-udp", "c-tcp", "d-sctp"] { try await F.expectIngress(client, name, ["10.0.0.1"]) }
            var twice = F.loadBalancer("e-twice", ports: [(8080, "TCP")])
            twice.spec?.ports?.append(CoreV1.ServicePort(name: "again", port: 8080, protocol: "TCP"))
            do {
                _ = try await services.create(twice)
                try await F.expectIngress(client, "e-twice", ["10.0.0.1"])
            } catch let error as StatusError {
                // Upstream refuses a duplicate (port, protocol); a server that does is fine too.
                #expect(error.code == 422)
            }
        }
    }

    @Test func theManagerSwitchTurnsServiceLBOff() async throws {
        try await TestAPIServer.with { server in
            func context(_ on: Bool) -> ControllerContext {
                ControllerContext(
                    informers: InformerFactory(client: server.client()), clientFor: { _ in server.client() },
                    options: ControllerOptions(serviceLB: on))
            }
            #expect(ControllerManager.standard(context: context(true)).contains { $0 is ServiceLBController })
            #expect(!ControllerManager.standard(context: context(false)).contains { $0 is ServiceLBController })
        }
    }
}
