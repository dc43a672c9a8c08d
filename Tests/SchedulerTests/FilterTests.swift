import KubeAPI
import Testing
@testable import Scheduler

@Suite struct FilterTests {
    @Test func resourcesFitReportsEveryShortResource() throws {
        let info = NodeInfo(node: Fixtures.node("n", cpu: "1", memory: "1Gi", pods: "1", extra: ["example.com/gpu": "1"]),
                            pods: [PodInfo(Fixtures.pod("old", cpu: "500m", nodeName: "n"))])
        let pod = PodInfo(Fixtures.pod("p", cpu: "600m", memory: "2Gi", requests: ["example.com/gpu": "2"]))
        let failure = try #require(NodeResourcesFit.filter(pod, info))
        #expect(failure.code == .unschedulable)
        #expect(failure.reasons == ["Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient example.com/gpu"])
        let fits = PodInfo(Fixtures.pod("q", cpu: "500m"))
        #expect(NodeResourcesFit.filter(fits, NodeInfo(node: Fixtures.node("m", cpu: "1"))) == nil)
    }

    @Test func nominatedPodsCountAgainstTheNode() {
        let info = NodeInfo(node: Fixtures.node("n", cpu: "1"))
        let pod = PodInfo(Fixtures.pod("p", cpu: "600m"))
        #expect(NodeResourcesFit.filter(pod, info, extra: ResourceAmounts(milliCPU: 500)) != nil)
        #expect(NodeResourcesFit.filter(pod, info, extra: ResourceAmounts(milliCPU: 400)) == nil)
    }

    @Test func unschedulableNodeRejectsUnlessTolerated() {
        let node = NodeInfo(node: Fixtures.node("n", unschedulable: true))
        #expect(NodePlugins.unschedulable(PodInfo(Fixtures.pod("p")), node)?.reasons == ["node(s) were unschedulable"])
        let tolerant = PodInfo(Fixtures.pod("t", tolerations: [CoreV1.Toleration(effect: "NoSchedule", key: "node.kubernetes.io/unschedulable", operator: "Exists")]))
        #expect(NodePlugins.unschedulable(tolerant, node) == nil)
    }

    struct TaintCase: Sendable, CustomTestStringConvertible {
        var taint: CoreV1.Taint
        var tolerations: [CoreV1.Toleration]
        var reason: String?
        var testDescription: String { "\(taint.key ?? "")=\(taint.value ?? ""):\(taint.effect ?? "") \(reason ?? "tolerated")" }
    }

    static let taintCases: [TaintCase] = [
        TaintCase(taint: CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "db"), tolerations: [],
                  reason: "node(s) had untolerated taint {dedicated: db}"),
        TaintCase(taint: CoreV1.Taint(effect: "NoExecute", key: "node.kubernetes.io/unreachable"), tolerations: [],
                  reason: "node(s) had untolerated taint {node.kubernetes.io/unreachable: }"),
        TaintCase(taint: CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "db"),
                  tolerations: [CoreV1.Toleration(key: "dedicated", operator: "Equal", value: "db")], reason: nil),
        TaintCase(taint: CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "db"),
                  tolerations: [CoreV1.Toleration(key: "dedicated", value: "web")], reason: "node(s) had untolerated taint {dedicated: db}"),
        TaintCase(taint: CoreV1.Taint(effect: "NoSchedule", key: "dedicated", value: "db"),
                  tolerations: [CoreV1.Toleration(effect: "NoExecute", key: "dedicated", operator: "Exists")],
                  reason: "node(s) had untolerated taint {dedicated: db}"),
        TaintCase(taint: CoreV1.Taint(effect: "NoSchedule", key: "anything"),
                  tolerations: [CoreV1.Toleration(operator: "Exists")], reason: nil),
        TaintCase(taint: CoreV1.Taint(effect: "PreferNoSchedule", key: "soft"), tolerations: [], reason: nil),
    ]

    @Test(arguments: taintCases)
    func taintToleration(_ c: TaintCase) {
        let node = NodeInfo(node: Fixtures.node("n", taints: [c.taint]))
        let pod = PodInfo(Fixtures.pod("p", tolerations: c.tolerations))
        let failure = NodePlugins.taintToleration(pod, node)
        #expect(failure?.reasons.first == c.reason)
        if failure != nil { #expect(failure?.code == .unresolvable) }
    }

    struct AffinityCase: Sendable, CustomTestStringConvertible {
        var name: String
        var op: String
        var values: [String]
        var fits: Bool
        var testDescription: String { name }
    }

    static let affinityCases: [AffinityCase] = [
        AffinityCase(name: "In matches", op: "In", values: ["a", "b"], fits: true),
        AffinityCase(name: "In misses", op: "In", values: ["c"], fits: false),
        AffinityCase(name: "NotIn", op: "NotIn", values: ["c"], fits: true),
        AffinityCase(name: "Exists", op: "Exists", values: [], fits: true),
        AffinityCase(name: "DoesNotExist", op: "DoesNotExist", values: [], fits: false),
        AffinityCase(name: "Gt numeric", op: "Gt", values: ["1"], fits: false),
        AffinityCase(name: "bad operator matches nothing", op: "Near", values: ["a"], fits: false),
    ]

    @Test(arguments: affinityCases)
    func requiredNodeAffinity(_ c: AffinityCase) {
        let node = NodeInfo(node: Fixtures.node("n", labels: ["zone": "a"]))
        let term = CoreV1.NodeSelectorTerm(matchExpressions: [CoreV1.NodeSelectorRequirement(key: "zone", operator: c.op, values: c.values)])
        let affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: CoreV1.NodeSelector(nodeSelectorTerms: [term])))
        let failure = NodePlugins.nodeAffinity(PodInfo(Fixtures.pod("p", affinity: affinity)), node)
        #expect((failure == nil) == c.fits)
        if let failure { #expect(failure.reasons == ["node(s) didn't match Pod's node affinity/selector"]) }
    }

    @Test func nodeSelectorAndMatchFields() {
        let node = NodeInfo(node: Fixtures.node("n1", labels: ["disk": "ssd"]))
        #expect(NodePlugins.nodeAffinity(PodInfo(Fixtures.pod("p", nodeSelector: ["disk": "ssd"])), node) == nil)
        #expect(NodePlugins.nodeAffinity(PodInfo(Fixtures.pod("p", nodeSelector: ["disk": "hdd"])), node) != nil)
        let byName = CoreV1.NodeSelectorTerm(matchFields: [CoreV1.NodeSelectorRequirement(key: "metadata.name", operator: "In", values: ["n1"])])
        let affinity = CoreV1.Affinity(nodeAffinity: CoreV1.NodeAffinity(requiredDuringSchedulingIgnoredDuringExecution: CoreV1.NodeSelector(nodeSelectorTerms: [CoreV1.NodeSelectorTerm(), byName])))
        #expect(NodePlugins.nodeAffinity(PodInfo(Fixtures.pod("p", affinity: affinity)), node) == nil)
        #expect(NodePlugins.nodeAffinity(PodInfo(Fixtures.pod("p", affinity: affinity)), NodeInfo(node: Fixtures.node("n2"))) != nil)
    }

    struct PortCase: Sendable, CustomTestStringConvertible {
        var used: HostPort
        var wanted: HostPort
        var conflict: Bool
        var testDescription: String { "\(used) vs \(wanted)" }
    }

    static let portCases: [PortCase] = [
        PortCase(used: HostPort(port: 80), wanted: HostPort(port: 80), conflict: true),
        PortCase(used: HostPort(port: 80), wanted: HostPort(port: 81), conflict: false),
        PortCase(used: HostPort(protocol: "UDP", port: 53), wanted: HostPort(port: 53), conflict: false),
        PortCase(used: HostPort(ip: "10.0.0.1", port: 80), wanted: HostPort(ip: "10.0.0.2", port: 80), conflict: false),
        PortCase(used: HostPort(ip: "10.0.0.1", port: 80), wanted: HostPort(port: 80), conflict: true),
    ]

    @Test(arguments: portCases)
    func hostPorts(_ c: PortCase) {
        #expect(c.used.conflicts(with: c.wanted) == c.conflict)
        #expect(c.wanted.conflicts(with: c.used) == c.conflict)
    }

    @Test func nodePortsFilter() {
        let node = NodeInfo(node: Fixtures.node("n"), pods: [PodInfo(Fixtures.pod("old", nodeName: "n", hostPorts: [8080]))])
        #expect(NodePlugins.nodePorts(PodInfo(Fixtures.pod("p", hostPorts: [8080])), node)?.reasons
                == ["node(s) didn't have free ports for the requested pod ports"])
        #expect(NodePlugins.nodePorts(PodInfo(Fixtures.pod("p", hostPorts: [9090])), node) == nil)
    }
}
