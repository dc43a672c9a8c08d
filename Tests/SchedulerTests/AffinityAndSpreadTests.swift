import KubeAPI
import Testing
@testable import Scheduler

@Suite struct AffinityAndSpreadTests {
    static let zoned = [
        Fixtures.node("a1", labels: ["zone": "a"]), Fixtures.node("a2", labels: ["zone": "a"]),
        Fixtures.node("b1", labels: ["zone": "b"]),
    ]

    func term(_ labels: [String: String], _ key: String = "zone") -> CoreV1.PodAffinityTerm {
        CoreV1.PodAffinityTerm(labelSelector: Fixtures.selector(labels), topologyKey: key)
    }

    func feasible(_ pod: CoreV1.Pod, pods: [CoreV1.Pod], nodes: [CoreV1.Node] = zoned) -> (Set<String>, [String: FilterFailure]) {
        let snapshot = ClusterSnapshot(nodes: nodes, pods: pods)
        let algorithm = SchedulingAlgorithm()
        let state = algorithm.prepare(PodInfo(pod), in: snapshot)
        var fit: Set<String> = []
        var failures: [String: FilterFailure] = [:]
        for node in snapshot.nodes {
            if let failure = algorithm.filter(state, node, in: snapshot) { failures[node.name] = failure } else { fit.insert(node.name) }
        }
        return (fit, failures)
    }

    @Test func requiredAffinityFollowsMatchingPods() {
        let affinity = CoreV1.Affinity(podAffinity: CoreV1.PodAffinity(requiredDuringSchedulingIgnoredDuringExecution: [term(["app": "db"])]))
        let pod = Fixtures.pod("web", labels: ["app": "web"], affinity: affinity)
        let (fit, failures) = feasible(pod, pods: [Fixtures.pod("db", nodeName: "b1", labels: ["app": "db"])])
        #expect(fit == ["b1"])
        #expect(failures["a1"]?.reasons == ["node(s) didn't match pod affinity rules"])
        #expect(failures["a1"]?.code == .unresolvable)
        // Without matching pods anywhere, only a pod matching its own terms may start the group.
        #expect(feasible(pod, pods: []).0.isEmpty)
        let selfAffine = Fixtures.pod("db-0", labels: ["app": "db"], affinity: affinity)
        #expect(feasible(selfAffine, pods: []).0 == ["a1", "a2", "b1"])
    }

    @Test func requiredAntiAffinityAvoidsDomains() {
        let anti = CoreV1.Affinity(podAntiAffinity: CoreV1.PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [term(["app": "db"])]))
        let pod = Fixtures.pod("db-1", labels: ["app": "db"], affinity: anti)
        let (fit, failures) = feasible(pod, pods: [Fixtures.pod("db-0", nodeName: "a1", labels: ["app": "db"])])
        #expect(fit == ["b1"])
        #expect(failures["a2"]?.reasons == ["node(s) didn't match pod anti-affinity rules"])
    }

    @Test func existingPodsAntiAffinityIsHonoured() {
        let anti = CoreV1.Affinity(podAntiAffinity: CoreV1.PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [term(["app": "web"], "kubernetes.io/hostname")]))
        let existing = Fixtures.pod("loner", nodeName: "a1", labels: ["app": "loner"], affinity: anti)
        let (fit, failures) = feasible(Fixtures.pod("web", labels: ["app": "web"]), pods: [existing])
        #expect(fit == ["a2", "b1"])
        #expect(failures["a1"]?.reasons == ["node(s) didn't satisfy existing pods anti-affinity rules"])
    }

    @Test func otherNamespacesDoNotMatchByDefault() {
        let anti = CoreV1.Affinity(podAntiAffinity: CoreV1.PodAntiAffinity(requiredDuringSchedulingIgnoredDuringExecution: [term(["app": "db"])]))
        let pod = Fixtures.pod("db-1", labels: ["app": "db"], affinity: anti)
        let (fit, _) = feasible(pod, pods: [Fixtures.pod("db-0", namespace: "other", nodeName: "a1", labels: ["app": "db"])])
        #expect(fit == ["a1", "a2", "b1"])
    }

    @Test func preferredAffinityScores() throws {
        let affinity = CoreV1.Affinity(podAffinity: CoreV1.PodAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            CoreV1.WeightedPodAffinityTerm(podAffinityTerm: term(["app": "cache"], "kubernetes.io/hostname"), weight: 100),
        ]))
        let snapshot = ClusterSnapshot(nodes: Self.zoned, pods: [Fixtures.pod("cache", nodeName: "a2", labels: ["app": "cache"])])
        for seed in 0..<5 as Range<UInt64> {
            let result = try SchedulingAlgorithm(seed: seed).schedule(PodInfo(Fixtures.pod("web", affinity: affinity)), in: snapshot)
            #expect(result.nodeName == "a2")
        }
    }

    static func spread(_ hard: Bool, maxSkew: Int = 1, key: String = "zone") -> [CoreV1.TopologySpreadConstraint] {
        [CoreV1.TopologySpreadConstraint(labelSelector: Fixtures.selector(["app": "web"]), maxSkew: maxSkew, topologyKey: key,
                                         whenUnsatisfiable: hard ? "DoNotSchedule" : "ScheduleAnyway")]
    }

    @Test func doNotScheduleBoundsTheSkew() {
        let pod = Fixtures.pod("web-2", labels: ["app": "web"], spread: Self.spread(true))
        let existing = [Fixtures.pod("web-0", nodeName: "a1", labels: ["app": "web"])]
        let (fit, failures) = feasible(pod, pods: existing)
        #expect(fit == ["b1"])
        #expect(failures["a2"]?.reasons == ["node(s) didn't match pod topology spread constraints"])
        let unlabeled = Self.zoned + [Fixtures.node("x")]
        #expect(feasible(pod, pods: existing, nodes: unlabeled).1["x"]?.reasons
                == ["node(s) didn't match pod topology spread constraints (missing required label)"])
    }

    @Test func scheduleAnywayPrefersEmptierDomains() throws {
        let existing = [Fixtures.pod("web-0", nodeName: "a1", labels: ["app": "web"]), Fixtures.pod("web-1", nodeName: "a2", labels: ["app": "web"])]
        let snapshot = ClusterSnapshot(nodes: Self.zoned, pods: existing)
        for seed in 0..<5 as Range<UInt64> {
            let pod = PodInfo(Fixtures.pod("web-2", labels: ["app": "web"], spread: Self.spread(false)))
            #expect(try SchedulingAlgorithm(seed: seed).schedule(pod, in: snapshot).nodeName == "b1")
        }
    }

    @Test func controllerPodsSpreadOverHostsByDefault() throws {
        let owner = MetaV1.OwnerReference(apiVersion: "apps/v1", controller: true, kind: "ReplicaSet", name: "rs", uid: "rs-uid")
        func replica(_ name: String, _ node: String?) -> CoreV1.Pod {
            var pod = Fixtures.pod(name, cpu: "10m", nodeName: node)
            pod.metadata.ownerReferences = [owner]
            return pod
        }
        let nodes = [Fixtures.node("a", cpu: "4"), Fixtures.node("b", cpu: "4")]
        // "a" is much emptier by resources, but already runs two replicas of the controller.
        let snapshot = ClusterSnapshot(nodes: nodes, pods: [replica("r0", "a"), replica("r1", "a"), Fixtures.pod("hog", cpu: "1", nodeName: "b")])
        let result = try SchedulingAlgorithm(seed: 1).schedule(PodInfo(replica("r2", nil)), in: snapshot)
        #expect(result.nodeName == "b")
    }
}

@Suite struct SpreadPolicyTests {
    static let nodes = [
        Fixtures.node("a1", labels: ["zone": "a", "disk": "ssd"]), Fixtures.node("b1", labels: ["zone": "b", "disk": "ssd"]),
        Fixtures.node("c1", labels: ["zone": "c", "disk": "hdd"]),
    ]

    func fits(_ pod: CoreV1.Pod, pods: [CoreV1.Pod]) -> Set<String> {
        let snapshot = ClusterSnapshot(nodes: Self.nodes, pods: pods)
        let algorithm = SchedulingAlgorithm()
        let state = algorithm.prepare(PodInfo(pod), in: snapshot)
        return Set(snapshot.nodes.filter { algorithm.filter(state, $0, in: snapshot) == nil }.map(\.name))
    }

    func constraint(minDomains: Int? = nil, affinityPolicy: String? = nil, matchLabelKeys: [String]? = nil) -> [CoreV1.TopologySpreadConstraint] {
        [CoreV1.TopologySpreadConstraint(labelSelector: Fixtures.selector(["app": "web"]), matchLabelKeys: matchLabelKeys, maxSkew: 1,
                                         minDomains: minDomains, nodeAffinityPolicy: affinityPolicy, topologyKey: "zone",
                                         whenUnsatisfiable: "DoNotSchedule")]
    }

    @Test func nodeAffinityPolicyDecidesWhichDomainsCount() {
        let existing = [Fixtures.pod("w0", nodeName: "a1", labels: ["app": "web"]), Fixtures.pod("w1", nodeName: "b1", labels: ["app": "web"])]
        // Honor (default): only the ssd zones a and b count; both hold one pod, so either fits.
        let honoring = Fixtures.pod("w2", labels: ["app": "web"], nodeSelector: ["disk": "ssd"], spread: constraint())
        #expect(fits(honoring, pods: existing) == ["a1", "b1"])
        // Ignore: the empty zone c counts too and sets the minimum to 0, so neither ssd zone fits.
        let ignoring = Fixtures.pod("w2", labels: ["app": "web"], nodeSelector: ["disk": "ssd"], spread: constraint(affinityPolicy: "Ignore"))
        #expect(fits(ignoring, pods: existing).isEmpty)
    }

    @Test func minDomainsTreatsMissingDomainsAsEmpty() {
        let existing = [Fixtures.pod("w0", nodeName: "a1", labels: ["app": "web"]), Fixtures.pod("w1", nodeName: "b1", labels: ["app": "web"]),
                        Fixtures.pod("w2", nodeName: "c1", labels: ["app": "web"])]
        #expect(fits(Fixtures.pod("w3", labels: ["app": "web"], spread: constraint()), pods: existing) == ["a1", "b1", "c1"])
        #expect(fits(Fixtures.pod("w3", labels: ["app": "web"], spread: constraint(minDomains: 4)), pods: existing).isEmpty)
    }

    @Test func matchLabelKeysNarrowTheCount() {
        let existing = [Fixtures.pod("old", nodeName: "a1", labels: ["app": "web", "rev": "1"])]
        let pod = Fixtures.pod("new", labels: ["app": "web", "rev": "2"], spread: constraint(matchLabelKeys: ["rev"]))
        #expect(fits(pod, pods: existing) == ["a1", "b1", "c1"])
        let plain = Fixtures.pod("new", labels: ["app": "web", "rev": "2"], spread: constraint())
        #expect(fits(plain, pods: existing) == ["b1", "c1"])
    }

    @Test func invalidSpreadSelectorIsATypedError() {
        let bad = [CoreV1.TopologySpreadConstraint(labelSelector: MetaV1.LabelSelector(matchExpressions: [
            MetaV1.LabelSelectorRequirement(key: "app", operator: "Near", values: ["x"]),
        ]), maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule")]
        let snapshot = ClusterSnapshot(nodes: Self.nodes)
        #expect(throws: SchedulingError.self) {
            try SchedulingAlgorithm().schedule(PodInfo(Fixtures.pod("p", spread: bad)), in: snapshot)
        }
        #expect(PodInfo(Fixtures.pod("p", spread: bad)).invalidReason?.hasPrefix("invalid topology spread constraint") == true)
    }

    @Test func preferredAntiAffinityPushesAway() throws {
        let anti = CoreV1.Affinity(podAntiAffinity: CoreV1.PodAntiAffinity(preferredDuringSchedulingIgnoredDuringExecution: [
            CoreV1.WeightedPodAffinityTerm(podAffinityTerm: CoreV1.PodAffinityTerm(labelSelector: Fixtures.selector(["app": "db"]), topologyKey: "zone"), weight: 100),
        ]))
        let snapshot = ClusterSnapshot(nodes: Array(Self.nodes.prefix(2)), pods: [
            Fixtures.pod("db", cpu: "10m", nodeName: "b1", labels: ["app": "db"]),
            // Resources alone would favour b1.
            Fixtures.pod("hog", cpu: "1", nodeName: "a1"),
        ])
        for seed in 0..<5 as Range<UInt64> {
            #expect(try SchedulingAlgorithm(seed: seed).schedule(PodInfo(Fixtures.pod("p", affinity: anti)), in: snapshot).nodeName == "a1")
        }
    }
}
