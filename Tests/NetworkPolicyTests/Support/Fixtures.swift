import KubeAPI
import KubeClient
import Logging
import NetworkPolicy

/// Pods, namespaces and policies the tests build.
enum Fixtures {
    static let logger = Logger(label: "network-policy-test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let node = "node-a"
    static let podCIDRs = [IPPrefix("10.42.0.0/24")!, IPPrefix("fd00:42::/64")!]

    static func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    /// A pod on `node` (node-a by default).
    static func pod(
        _ name: String, _ addresses: String..., namespace: String = "default", labels: [String: String] = [:], node: String = node,
        ports: [PolicyPod.NamedPort] = []
    ) -> PolicyPod {
        PolicyPod(namespace: namespace, name: name, labels: labels, addresses: addresses.map(ip), nodeName: node, namedPorts: ports)
    }

    /// A policy; `ingress`/`egress` `nil` leave the field out.
    static func policy(
        _ name: String, namespace: String = "default", selecting: [String: String] = [:], types: [String]? = nil,
        ingress: [NetworkingV1.NetworkPolicyIngressRule]? = nil, egress: [NetworkingV1.NetworkPolicyEgressRule]? = nil
    ) -> NetworkingV1.NetworkPolicy {
        NetworkingV1.NetworkPolicy(
            metadata: .init(name: name, namespace: namespace),
            spec: .init(egress: egress, ingress: ingress, podSelector: .init(matchLabels: selecting), policyTypes: types))
    }

    static func pods(_ labels: [String: String]) -> NetworkingV1.NetworkPolicyPeer { .init(podSelector: .init(matchLabels: labels)) }

    static func namespaces(_ labels: [String: String]) -> NetworkingV1.NetworkPolicyPeer {
        .init(namespaceSelector: .init(matchLabels: labels))
    }

    static func block(_ cidr: String, except: [String]? = nil) -> NetworkingV1.NetworkPolicyPeer {
        .init(ipBlock: .init(cidr: cidr, except: except))
    }

    static func tcp(_ port: IntOrString, to end: Int? = nil) -> NetworkingV1.NetworkPolicyPort { .init(endPort: end, port: port) }

    /// Compiles for node-a and returns the rules by pod key (and fails the test on problems unless allowed).
    static func rules(
        _ policies: [NetworkingV1.NetworkPolicy], _ pods: [PolicyPod], namespaces: [String: [String: String]] = [:]
    ) -> [String: PodPolicyRules] {
        let model = NetworkPolicyModel(policies: policies, pods: pods, namespaceLabels: namespaces)
        let (rules, _) = model.rules(nodeName: node, podCIDRs: podCIDRs)
        return Dictionary(uniqueKeysWithValues: rules.map { ($0.pod, $0) })
    }

    static func allow(_ peer: PolicyPeer, _ ports: [PolicyPortRange]? = nil) -> PolicyAllowance { PolicyAllowance(peer: peer, ports: ports) }

    static func addresses(_ texts: String...) -> PolicyPeer { .pods(texts.map(ip)) }

    /// Creates a running pod in `default` on `node` with `ips`, its container port 8080 named `http`.
    static func createPod(_ pods: ResourceClient<CoreV1.Pod>, _ name: String, labels: [String: String], node: String, ips: [String]) async throws {
        var pod = try await pods.create(CoreV1.Pod(
            metadata: .init(labels: labels, name: name, namespace: "default"),
            spec: .init(containers: [.init(image: "busybox", name: "c", ports: [.init(containerPort: 8080, name: "http")])], nodeName: node)))
        pod.status = .init(phase: "Running", podIP: ips[0], podIPs: ips.map { .init(ip: $0) })
        _ = try await pods.updateStatus(pod)
    }
}
