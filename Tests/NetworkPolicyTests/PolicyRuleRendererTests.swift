import KubeAPI
import NFTables
import Testing

@testable import NetworkPolicy

/// The table the renderer writes: structure, then nft's own verdict on it.
@Suite struct PolicyRuleRendererTests {
    typealias F = Fixtures
    static let renderer = PolicyRuleRenderer()

    static func lines(_ pods: [PodPolicyRules]) -> [String] { renderer.script(for: pods).split(separator: "\n").map(String.init) }

    /// Scenarios covering every kind of peer, port and family.
    static let scenarios: [String: [PodPolicyRules]] = [
        "nothing isolated": [],
        "default deny both ways": [PodPolicyRules(pod: "default/a", addresses: [F.ip("10.42.0.5")], ingress: [], egress: [])],
        "dual-stack pods and peers": [
            PodPolicyRules(
                pod: "default/a", addresses: [F.ip("10.42.0.5"), F.ip("fd00:42::5")],
                ingress: [F.allow(F.addresses("10.42.0.6", "fd00:42::6", "10.42.1.7"), [.init(.tcp, 80), .init(.udp, 53)])],
                egress: [F.allow(.any, [.init(.tcp, 443), .init(.sctp, 9000...9100)])]),
            PodPolicyRules(
                pod: "kube-system/b", addresses: [F.ip("10.42.0.8")],
                ingress: [F.allow(.any)],
                egress: [F.allow(.block(IPPrefix("10.0.0.0/8")!, except: [IPPrefix("10.42.0.0/16")!, IPPrefix("10.43.0.0/16")!]))]),
        ],
        "shared peers and ipv6 blocks": [
            PodPolicyRules(pod: "ns/x", addresses: [F.ip("fd00:42::9")], ingress: [F.allow(F.addresses("10.42.0.6", "10.42.0.7"))], egress: nil),
            PodPolicyRules(
                pod: "ns/y", addresses: [F.ip("10.42.0.10")], ingress: [F.allow(F.addresses("10.42.0.6", "10.42.0.7"), [.all(.tcp)])],
                egress: [F.allow(.block(IPPrefix("2001:db8::/32")!, except: [IPPrefix("2001:db8:1::/48")!]))]),
        ],
    ]

    @Test func everyScriptRebuildsTheWholeTableInOneTransaction() {
        for (name, pods) in Self.scenarios {
            let lines = Self.lines(pods)
            #expect(Array(lines.prefix(3)) == [
                "add table inet k3s-swift-policy", "delete table inet k3s-swift-policy", "add table inet k3s-swift-policy",
            ], "\(name)")
            #expect(lines.contains("add chain inet k3s-swift-policy forward { type filter hook forward priority filter; policy accept; }"))
            for map in ["ingress-ipv4", "ingress-ipv6", "egress-ipv4", "egress-ipv6"] {
                #expect(lines.contains { $0.hasPrefix("add map inet k3s-swift-policy \(map) { type ") && $0.contains(" : verdict;") }, "\(name): \(map)")
            }
        }
    }

    @Test func theForwardChainAcceptsRepliesBeforeLookingUpPods() {
        let rules = Self.renderer.objects(for: []).chains["forward"]?.rules ?? []
        #expect(rules.first == "ct state established,related accept")
        #expect(Array(rules.suffix(4)) == [
            "ip daddr vmap @ingress-ipv4", "ip6 daddr vmap @ingress-ipv6", "ip saddr vmap @egress-ipv4", "ip6 saddr vmap @egress-ipv6",
        ])
        #expect(Self.renderer.objects(for: []).chains.count == 1)
    }

    @Test func aDeniedPodJumpsToAChainThatOnlyDrops() {
        let objects = Self.renderer.objects(for: Self.scenarios["default deny both ways"]!)
        // Nothing but the pod itself (hairpin through a Service) gets through.
        #expect(objects.chains["ingress/default/a"]?.rules == ["ip saddr { 10.42.0.5 } return", "counter drop"])
        #expect(objects.chains["egress/default/a"]?.rules == ["ip daddr { 10.42.0.5 } return", "counter drop"])
        #expect(objects.elements[.init(set: "ingress-ipv4", key: "10.42.0.5")] == "jump ingress/default/a")
        #expect(objects.elements[.init(set: "egress-ipv4", key: "10.42.0.5")] == "jump egress/default/a")
    }

    @Test func allowancesReturnPerFamilyAndProtocol() {
        let objects = Self.renderer.objects(for: Self.scenarios["dual-stack pods and peers"]!)
        let ingress = objects.chains["ingress/default/a"]?.rules ?? []
        #expect(ingress.count == 7)
        #expect(Array(ingress.prefix(2)) == ["ip saddr { 10.42.0.5 } return", "ip6 saddr { fd00:42::5 } return"])
        #expect(ingress.last == "counter drop")
        let v4 = ingress.first { $0.hasPrefix("ip saddr @") && $0.contains("tcp") }
        #expect(v4?.hasSuffix(" meta l4proto tcp th dport { 80 } return") == true)
        #expect(ingress.contains { $0.hasPrefix("ip6 saddr @") && $0.hasSuffix("meta l4proto udp th dport { 53 } return") })
        #expect(objects.chains["egress/default/a"]?.rules == [
            "ip daddr { 10.42.0.5 } return", "ip6 daddr { fd00:42::5 } return", "meta l4proto tcp th dport { 443 } return", "meta l4proto sctp th dport { 9000-9100 } return", "counter drop",
        ])
        #expect(objects.chains["ingress/kube-system/b"]?.rules == ["ip saddr { 10.42.0.8 } return", "return", "counter drop"])
        let block = objects.chains["egress/kube-system/b"]?.rules.dropFirst().first ?? ""
        #expect(block.hasPrefix("ip daddr @peers-") && block.contains(" ip daddr != @peers-") && block.hasSuffix(" return"))
        // Both addresses of the dual-stack pod jump to its chains.
        #expect(objects.elements[.init(set: "ingress-ipv6", key: "fd00:42::5")] == "jump ingress/default/a")
        #expect(objects.elements[.init(set: "ingress-ipv4", key: "10.42.0.5")] == "jump ingress/default/a")
        // The peer set of the v4 addresses holds exactly them.
        let v4Set = objects.elements.keys.filter { $0.key == "10.42.1.7" }.map(\.set)
        #expect(v4Set.count == 1)
        #expect(objects.elements.keys.filter { $0.set == v4Set.first }.map(\.key).sorted() == ["10.42.0.6", "10.42.1.7"])
        #expect(objects.sets[v4Set.first ?? ""] == "type ipv4_addr; flags interval; auto-merge;")
    }

    @Test func identicalPeerGroupsShareOneSet() {
        let objects = Self.renderer.objects(for: Self.scenarios["shared peers and ipv6 blocks"]!)
        let peerSets = objects.sets.keys.filter { $0.hasPrefix("peers-") }
        #expect(peerSets.count == 3, "\(peerSets)")
        let x = objects.chains["ingress/ns/x"]?.rules.dropFirst().first
        let y = objects.chains["ingress/ns/y"]?.rules.dropFirst().first
        #expect(x.map { "\($0.dropLast(" return".count)) meta l4proto tcp th dport { 1-65535 } return" } == y)
        #expect(objects.chains["egress/ns/y"]?.rules.dropFirst().first?.hasPrefix("ip6 daddr @") == true)
        #expect(objects.chains["egress/ns/x"] == nil)
    }

    @Test func longPodNamesGetAHashedChain() {
        let long = String(repeating: "a", count: 240)
        let name = PolicyRuleRenderer.chainName(.ingress, pod: "ns/\(long)")
        #expect(name.hasPrefix("ingress/h-") && name.count == "ingress/h-".count + 16)
        #expect(name != PolicyRuleRenderer.chainName(.ingress, pod: "ns/\(long)b"))
        #expect(PolicyRuleRenderer.chainName(.egress, pod: "ns/web") == "egress/ns/web")
    }

    @Test func theRemovalScriptWorksWhetherOrNotTheTableExists() {
        #expect(Self.renderer.removalScript == "add table inet k3s-swift-policy\ndelete table inet k3s-swift-policy\n")
    }

    /// nft parses and the kernel accepts every scenario (and a long name), applied one after the
    /// other in a namespace the test makes, then the removal.
    @Test(.enabled(if: NetworkLab.hasNFTables, "needs root, nft and ip (CI has them)"))
    func nftAcceptsEveryScenario() async throws {
        try await NetworkLab.with { lab in
            let namespace = try await lab.namespace("np-nft")
            let check = CommandNFTablesRunner(networkNamespace: namespace, checkOnly: true)
            let apply = CommandNFTablesRunner(networkNamespace: namespace)
            var all = Self.scenarios
            all["long name"] = [PodPolicyRules(pod: "ns/" + String(repeating: "p", count: 250), addresses: [F.ip("10.42.0.99")], ingress: [], egress: nil)]
            all["dotted name"] = [PodPolicyRules(pod: "ns-1/9web.v1-abc", addresses: [F.ip("10.42.0.98")], ingress: [F.allow(.any)], egress: [])]
            for (name, pods) in all.sorted(by: { $0.key < $1.key }) {
                let script = Self.renderer.script(for: pods)
                do {
                    try await check.apply(script)
                    try await apply.apply(script)
                } catch {
                    Issue.record("\(name): \(error)\n\(script)")
                }
            }
            let listed = try await lab.exec(namespace, ["nft", "list", "table", "inet", "k3s-swift-policy"])
            #expect(listed.output.contains("hook forward"))
            try await apply.apply(Self.renderer.removalScript)
            try await apply.apply(Self.renderer.removalScript)
            #expect(try await lab.exec(namespace, ["nft", "list", "tables"]).output.isEmpty)
        }
    }
}
