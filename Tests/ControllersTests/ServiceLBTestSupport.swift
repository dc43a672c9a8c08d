import ClusterTesting
import Controllers
import KubeAPI
import KubeClient

/// Nodes and Services for the ServiceLB tests.
enum ServiceLBFixtures {
    /// A node with addresses, labels, taints and readiness (status written through `nodes/status`).
    static func makeNode(
        _ client: KubeClient, _ name: String, internal internalIPs: [String], external externalIPs: [String] = [], labels: [String: String] = [:],
        ready: Bool = true, unschedulable: Bool? = nil, taints: [CoreV1.Taint]? = nil
    ) async throws {
        let nodes = client.resource(CoreV1.Node.self)
        var node = try await nodes.create(CoreV1.Node(
            metadata: .init(labels: labels.isEmpty ? nil : labels, name: name),
            spec: CoreV1.NodeSpec(taints: taints, unschedulable: unschedulable)))
        node.status = CoreV1.NodeStatus(
            addresses: internalIPs.map { CoreV1.NodeAddress(address: $0, type: "InternalIP") }
                + externalIPs.map { CoreV1.NodeAddress(address: $0, type: "ExternalIP") },
            conditions: [CoreV1.NodeCondition(status: ready ? "True" : "False", type: "Ready")])
        _ = try await nodes.updateStatus(node)
    }

    /// A `type: LoadBalancer` Service (ports as `(number, protocol)`).
    static func loadBalancer(
        _ name: String, ports: [(Int, String)], labels: [String: String]? = nil, loadBalancerClass: String? = nil,
        externalTrafficPolicy: String? = nil, ipFamilies: [String]? = nil
    ) -> CoreV1.Service {
        CoreV1.Service(
            metadata: .init(labels: labels, name: name, namespace: "default"),
            spec: CoreV1.ServiceSpec(
                externalTrafficPolicy: externalTrafficPolicy, ipFamilies: ipFamilies, loadBalancerClass: loadBalancerClass,
                ports: ports.map { CoreV1.ServicePort(name: "p\($0.0)-\($0.1.lowercased())", port: $0.0, protocol: $0.1) },
                selector: ["app": name], type: "LoadBalancer"))
    }

    /// The IPs in the Service's `status.loadBalancer.ingress`.
    static func ingress(_ client: KubeClient, _ name: String) async throws -> [String] {
        let service = try await client.resource(CoreV1.Service.self).get(name, namespace: "default")
        return (service.status?.loadBalancer?.ingress ?? []).compactMap(\.ip)
    }

    /// Waits until the Service publishes exactly `addresses`.
    static func expectIngress(_ client: KubeClient, _ name: String, _ addresses: [String]) async throws {
        try await eventually("\(name) publishes \(addresses)", timeout: .seconds(20)) {
            try await ingress(client, name) == addresses
        }
    }

    /// Events about the Service `name` with `reason`.
    static func events(_ client: KubeClient, about name: String, reason: String) async throws -> [CoreV1.Event] {
        try await client.resource(CoreV1.Event.self).list(namespace: "default").items
            .filter { $0.involvedObject?.name == name && $0.reason == reason }
    }
}
