import KubeAPI
import NetworkPolicy
import Testing

/// The policy semantics, one small case each.
@Suite struct NetworkPolicyModelTests {
    typealias F = Fixtures
    static let web = F.pod("web", "10.42.0.10", labels: ["app": "web"], ports: [.init(name: "http", port: 8080)])
    static let db = F.pod("db", "10.42.0.20", labels: ["app": "db"])
    static let remote = F.pod("client", "10.42.1.5", labels: ["role": "client"], node: "node-b")
    static let other = F.pod("client", "10.42.0.30", namespace: "other", labels: ["role": "client"])

    @Test func withoutPoliciesNoPodIsIsolated() {
        #expect(F.rules([], [Self.web, Self.db]).isEmpty)
    }

    @Test func anEmptyPolicyDeniesIngressOnlyForEveryPodOfItsNamespace() {
        let rules = F.rules([F.policy("deny")], [Self.web, Self.db, Self.other])
        #expect(Set(rules.keys) == ["default/web", "default/db"])
        #expect(rules["default/web"]?.ingress == [])
        #expect(rules["default/web"]?.egress == nil)
    }

    @Test func aPodSelectorChoosesTheIsolatedPods() {
        let rules = F.rules([F.policy("web-only", selecting: ["app": "web"])], [Self.web, Self.db])
        #expect(Set(rules.keys) == ["default/web"])
    }

    @Test func matchExpressionsSelectToo() {
        var policy = F.policy("not-web")
        policy.spec?.podSelector = .init(matchExpressions: [.init(key: "app", operator: "NotIn", values: ["web"])])
        #expect(Set(F.rules([policy], [Self.web, Self.db]).keys) == ["default/db"])
    }

    @Test func egressRulesMakeAPolicyIsolateEgressByDefault() {
        let rules = F.rules([F.policy("out", egress: [.init(to: [F.pods(["app": "db"])])])], [Self.web, Self.db])
        #expect(rules["default/web"]?.ingress == [])
        #expect(rules["default/web"]?.egress == [F.allow(F.addresses("10.42.0.20"))])
        // An empty egress list is no egress section.
        #expect(F.rules([F.policy("out", egress: [])], [Self.web])["default/web"]?.egress == nil)
    }

    @Test func policyTypesEgressAloneLeavesIngressOpen() {
        let rules = F.rules([F.policy("deny-out", types: ["Egress"])], [Self.web])
        #expect(rules["default/web"]?.ingress == nil)
        #expect(rules["default/web"]?.egress == [])
    }

    @Test func anEmptyRuleAllowsEverything() {
        let rules = F.rules([F.policy("all", ingress: [.init()])], [Self.web])
        #expect(rules["default/web"]?.ingress == [F.allow(.any)])
    }

    @Test func anEmptyPeerListIsEveryPeer() {
        let rules = F.rules([F.policy("port-only", ingress: [.init(from: [], ports: [F.tcp(80)])])], [Self.web])
        #expect(rules["default/web"]?.ingress == [F.allow(.any, [.init(.tcp, 80)])])
    }

    @Test func aPodSelectorPeerPicksPodsOfThePolicysNamespaceOnAnyNode() {
        let rules = F.rules(
            [F.policy("from-clients", selecting: ["app": "web"], ingress: [.init(from: [F.pods(["role": "client"])])])],
            [Self.web, Self.remote, Self.other])
        #expect(rules["default/web"]?.ingress == [F.allow(F.addresses("10.42.1.5"))])
    }

    @Test func aNamespaceSelectorPeerPicksEveryPodOfTheMatchingNamespaces() {
        let namespaces = ["other": ["team": "a"], "default": ["team": "b"]]
        let policy = F.policy("from-a", selecting: ["app": "web"], ingress: [.init(from: [F.namespaces(["team": "a"])])])
        let extra = F.pod("extra", "10.42.0.31", namespace: "other")
        let rules = F.rules([policy], [Self.web, Self.other, extra, Self.remote], namespaces: namespaces)
        #expect(rules["default/web"]?.ingress == [F.allow(F.addresses("10.42.0.30", "10.42.0.31"))])
    }

    @Test func anEmptyNamespaceSelectorIsEveryNamespace() {
        let policy = F.policy("from-all", selecting: ["app": "web"], ingress: [.init(from: [F.namespaces([:])])])
        let rules = F.rules([policy], [Self.web, Self.other, Self.remote])
        #expect(rules["default/web"]?.ingress == [F.allow(F.addresses("10.42.0.10", "10.42.0.30", "10.42.1.5"))])
    }

    @Test func bothSelectorsInOnePeerAreAnd() {
        let peer = NetworkingV1.NetworkPolicyPeer(namespaceSelector: .init(matchLabels: ["team": "a"]), podSelector: .init(matchLabels: ["role": "client"]))
        let policy = F.policy("and", selecting: ["app": "web"], ingress: [.init(from: [peer])])
        let otherNonClient = F.pod("batch", "10.42.0.32", namespace: "other", labels: ["role": "batch"])
        let rules = F.rules([policy], [Self.web, Self.other, otherNonClient, Self.remote], namespaces: ["other": ["team": "a"]])
        #expect(rules["default/web"]?.ingress == [F.allow(F.addresses("10.42.0.30"))])
    }

    @Test func twoPeersInOneRuleAreOr() {
        let policy = F.policy("or", selecting: ["app": "web"], ingress: [.init(from: [F.pods(["app": "db"]), F.namespaces(["team": "a"])])])
        let rules = F.rules([policy], [Self.web, Self.db, Self.other], namespaces: ["other": ["team": "a"]])
        #expect(rules["default/web"]?.ingress == [F.allow(F.addresses("10.42.0.20")), F.allow(F.addresses("10.42.0.30"))].sorted())
    }

    @Test func theNamespaceNameLabelIsAlwaysThere() {
        let policy = F.policy("by-name", selecting: ["app": "web"], ingress: [.init(from: [F.namespaces(["kubernetes.io/metadata.name": "other"])])])
        #expect(F.rules([policy], [Self.web, Self.other])["default/web"]?.ingress == [F.allow(F.addresses("10.42.0.30"))])
    }

    @Test func ipBlocksKeepTheirExceptionsOfTheSameFamilyMasked() {
        let policy = F.policy("cidr", ingress: [.init(from: [F.block("192.168.1.7/16", except: ["192.168.5.0/24", "fd00::/8"])])])
        #expect(F.rules([policy], [Self.web])["default/web"]?.ingress
            == [F.allow(.block(IPPrefix("192.168.0.0/16")!, except: [IPPrefix("192.168.5.0/24")!]))])
    }

    @Test func numberedPortsRangesAndProtocols() {
        let ports: [NetworkingV1.NetworkPolicyPort] = [
            F.tcp(80), F.tcp(8000, to: 8100), .init(port: 53, protocol: "UDP"), .init(protocol: "SCTP"),
        ]
        let rules = F.rules([F.policy("ports", ingress: [.init(ports: ports)])], [Self.web])
        #expect(rules["default/web"]?.ingress
            == [F.allow(.any, [.init(.tcp, 80), .init(.tcp, 8000...8100), .init(.udp, 53), .all(.sctp)])])
    }

    @Test func aNamedIngressPortResolvesOnTheLocalPod() {
        let policy = F.policy("named", ingress: [.init(from: [F.pods(["app": "db"])], ports: [F.tcp("http")])])
        let rules = F.rules([policy], [Self.web, Self.db])
        #expect(rules["default/web"]?.ingress == [F.allow(F.addresses("10.42.0.20"), [.init(.tcp, 8080)])])
        // db has no port named http: the rule allows nothing into it.
        #expect(rules["default/db"]?.ingress == [])
    }

    @Test func aNamedPortOfAnotherProtocolDoesNotResolve() {
        let policy = F.policy("named-udp", ingress: [.init(ports: [.init(port: "http", protocol: "UDP")])])
        #expect(F.rules([policy], [Self.web])["default/web"]?.ingress == [])
    }

    @Test func aNamedEgressPortExpandsPerPeerPod() {
        let a = F.pod("a", "10.42.0.41", labels: ["app": "api"], ports: [.init(name: "api", port: 8080)])
        let b = F.pod("b", "10.42.1.42", labels: ["app": "api"], node: "node-b", ports: [.init(name: "api", port: 9090)])
        let c = F.pod("c", "10.42.1.43", labels: ["app": "api"], node: "node-b")
        let policy = F.policy("to-api", selecting: ["app": "web"], egress: [.init(ports: [F.tcp("api"), F.tcp(443)], to: [F.pods(["app": "api"])])])
        let rules = F.rules([policy], [Self.web, a, b, c])
        #expect(rules["default/web"]?.egress == [
            F.allow(F.addresses("10.42.0.41", "10.42.1.42", "10.42.1.43"), [.init(.tcp, 443)]),
            F.allow(F.addresses("10.42.0.41"), [.init(.tcp, 8080)]),
            F.allow(F.addresses("10.42.1.42"), [.init(.tcp, 9090)]),
        ].sorted())
    }

    @Test func aNamedEgressPortWithoutPeersResolvesOnEveryPod() {
        let a = F.pod("a", "10.42.0.41", namespace: "x", ports: [.init(name: "dns", protocol: .udp, port: 5353)])
        let policy = F.policy("dns", selecting: ["app": "web"], egress: [.init(ports: [.init(port: "dns", protocol: "UDP")])])
        #expect(F.rules([policy], [Self.web, a])["default/web"]?.egress == [F.allow(F.addresses("10.42.0.41"), [.init(.udp, 5353)])])
    }

    @Test func policiesAddUp() {
        let one = F.policy("one", ingress: [.init(from: [F.pods(["app": "db"])])])
        let two = F.policy("two", selecting: ["app": "web"], ingress: [.init(ports: [F.tcp(80)])])
        let three = F.policy("three", types: ["Ingress"])
        let rules = F.rules([one, two, three], [Self.web, Self.db])
        #expect(rules["default/web"]?.ingress == [F.allow(.any, [.init(.tcp, 80)]), F.allow(F.addresses("10.42.0.20"))].sorted())
        #expect(rules["default/db"]?.ingress == [F.allow(F.addresses("10.42.0.20"))])
    }

    @Test func onlyLocalPodsInsideThePodCIDRsGetRules() {
        let dual = F.pod("dual", "10.42.0.50", "fd00:42::50")
        let stray = F.pod("stray", "10.99.0.5")
        let rules = F.rules([F.policy("deny")], [dual, stray, Self.remote])
        #expect(Set(rules.keys) == ["default/dual"])
        #expect(rules["default/dual"]?.addresses == [F.ip("10.42.0.50"), F.ip("fd00:42::50")])
    }

    @Test func unreadablePiecesAllowNothingAndAreReported() {
        var badSelector = F.policy("bad", ingress: [.init(from: [F.pods(["app": "db"])])])
        badSelector.spec?.ingress?[0].from?[0].podSelector = .init(matchExpressions: [.init(key: "app", operator: "Near", values: ["x"])])
        let badCIDR = F.policy("bad-cidr", ingress: [.init(from: [F.block("10.0.0.0/33")])])
        let badPort = F.policy("bad-port", ingress: [.init(ports: [F.tcp(70000)])])
        let model = NetworkPolicyModel(policies: [badSelector, badCIDR, badPort], pods: [Self.web, Self.db], namespaceLabels: [:])
        let (rules, problems) = model.rules(nodeName: F.node, podCIDRs: F.podCIDRs)
        #expect(rules.count == 2)
        #expect(rules.allSatisfy { $0.ingress == [] })
        #expect(problems.count == 3)
        #expect(problems.contains { $0.contains("default/bad-cidr ingress[0] peer 0") })
    }

    @Test func apiPodsTakePartOnlyWithAnAddressAndOffTheHostNetwork() {
        func pod(ips: [String], hostNetwork: Bool = false, phase: String = "Running") -> CoreV1.Pod {
            CoreV1.Pod(
                metadata: .init(labels: ["app": "x"], name: "p", namespace: "ns"),
                spec: .init(containers: [.init(name: "c", ports: [.init(containerPort: 80, name: "http"), .init(containerPort: 53, name: "dns", protocol: "UDP")])],
                            hostNetwork: hostNetwork, nodeName: "node-a"),
                status: .init(phase: phase, podIPs: ips.map { .init(ip: $0) }))
        }
        let view = PolicyPod(pod(ips: ["10.42.0.5", "fd00:42::5"]))
        #expect(view?.addresses == [F.ip("10.42.0.5"), F.ip("fd00:42::5")])
        #expect(view?.ports(named: "http", protocol: .tcp) == [80])
        #expect(view?.ports(named: "dns", protocol: .udp) == [53])
        #expect(view?.ports(named: "dns", protocol: .tcp) == [])
        #expect(PolicyPod(pod(ips: [])) == nil)
        #expect(PolicyPod(pod(ips: ["10.42.0.5"], hostNetwork: true)) == nil)
        #expect(PolicyPod(pod(ips: ["10.42.0.5"], phase: "Succeeded")) == nil)
    }
}
