import KubeAPI
import NFTables
import Testing

@testable import NetworkPolicy

/// A cluster-sized input: how long compiling, rendering and applying take (the figures are
/// printed as `network_policy_*` lines), and that nft takes the result.
@Suite struct NetworkPolicyScaleTests {
    /// 5,000 pods in 50 namespaces (110 of them on this node), three policies per namespace:
    /// default deny, allow from the namespace's frontends on a named port, allow from
    /// namespaces labelled `team=ops`.
    static func model() -> NetworkPolicyModel {
        var pods: [PolicyPod] = []
        var namespaces: [String: [String: String]] = [:]
        var policies: [NetworkingV1.NetworkPolicy] = []
        for n in 0..<50 {
            let namespace = "ns-\(n)"
            namespaces[namespace] = ["team": n % 5 == 0 ? "ops" : "dev"]
            for p in 0..<100 {
                let index = n * 100 + p
                let local = index % 45 == 0
                let address = local ? "10.42.0.\(index / 45 + 2)" : "10.42.\(1 + index / 250).\(index % 250 + 2)"
                pods.append(PolicyPod(
                    namespace: namespace, name: "pod-\(p)", labels: ["app": p % 4 == 0 ? "frontend" : "backend"],
                    addresses: [IPAddress(address)!], nodeName: local ? Fixtures.node : "node-\(index % 7)",
                    namedPorts: [.init(name: "http", port: 8000 + p % 3)]))
            }
            policies.append(Fixtures.policy("deny", namespace: namespace))
            policies.append(Fixtures.policy(
                "frontends", namespace: namespace, selecting: ["app": "backend"],
                ingress: [.init(from: [Fixtures.pods(["app": "frontend"])], ports: [Fixtures.tcp("http")])]))
            policies.append(Fixtures.policy("ops", namespace: namespace, ingress: [.init(from: [Fixtures.namespaces(["team": "ops"])])]))
        }
        return NetworkPolicyModel(policies: policies, pods: pods, namespaceLabels: namespaces)
    }

    @Test func aClusterSizedModelCompilesAndRendersQuickly() {
        let model = Self.model()
        let clock = ContinuousClock()
        let started = clock.now
        let (rules, problems) = model.rules(nodeName: Fixtures.node, podCIDRs: Fixtures.podCIDRs)
        let compiled = clock.now
        let script = PolicyRuleRenderer().script(for: rules)
        print("network_policy_compile_render pods=5000 local=\(rules.count) policies=150 lines=\(script.split(separator: "\n").count)",
              "compile=\(compiled - started) render=\(clock.now - compiled)")
        #expect(problems.isEmpty)
        #expect(rules.count == 112)
    }

    @Test(.enabled(if: NetworkLab.hasNFTables, "needs root, nft and ip (CI has them)"))
    func nftAppliesAClusterSizedTable() async throws {
        let (rules, _) = Self.model().rules(nodeName: Fixtures.node, podCIDRs: Fixtures.podCIDRs)
        let script = PolicyRuleRenderer().script(for: rules)
        try await NetworkLab.with { lab in
            let namespace = try await lab.namespace("np-scale")
            let runner = CommandNFTablesRunner(networkNamespace: namespace)
            let clock = ContinuousClock()
            var took: [Duration] = []
            for _ in 0..<3 {
                let started = clock.now
                try await runner.apply(script)
                took.append(clock.now - started)
            }
            print("network_policy_nft_apply local=\(rules.count) bytes=\(script.utf8.count) first=\(took[0]) again=\(took[1]),\(took[2])")
            let listed = try await lab.exec(namespace, ["nft", "list", "map", "inet", "k3s-swift-policy", "ingress-ipv4"])
            #expect(listed.output.contains("jump ingress/ns-0/pod-0"))
        }
    }
}
