import KubeAPI

/// The cluster's NetworkPolicies, pods and namespace labels, compiled into what a node enforces
/// for its own pods (``rules(nodeName:podCIDRs:)``).
///
/// The semantics are those of `networking.k8s.io/v1`:
/// - a pod is isolated in a direction when a policy of its namespace selects it and has that
///   policy type (`policyTypes`, by default `Ingress`, plus `Egress` when the policy has egress
///   rules); a pod no policy isolates allows everything in that direction;
/// - an isolated pod allows what any rule of any policy selecting it allows (rules add up; a
///   policy with no rule for the direction adds nothing: default deny);
/// - a rule without `from`/`to` allows every peer, without `ports` every port;
/// - a peer's `podSelector` alone picks pods of the policy's namespace, `namespaceSelector`
///   alone every pod of the matching namespaces, both together the matching pods of the matching
///   namespaces; `ipBlock` a network minus its `except` networks;
/// - a port is a number (with `endPort`, a range) or the name of a container port, resolved on
///   the pod traffic goes to: the local pod for ingress, each peer pod for egress; the protocol
///   defaults to TCP.
///
/// Every namespace carries the `kubernetes.io/metadata.name` label with its name, as the API
/// server sets it. Anything unreadable (a bad selector or CIDR) is left out and named in the
/// problems: an unreadable peer or port allows nothing, an unreadable `podSelector` ignores the
/// policy.
public struct NetworkPolicyModel: Sendable {
    /// The label every namespace has, with the namespace's name.
    public static let namespaceNameLabel = "kubernetes.io/metadata.name"

    /// The policies.
    public var policies: [NetworkingV1.NetworkPolicy]
    /// Every pod of the cluster that has an address (peers may be on any node).
    public var pods: [PolicyPod]
    /// The labels of each namespace, by name.
    public var namespaceLabels: [String: [String: String]]

    /// Creates a model.
    public init(policies: [NetworkingV1.NetworkPolicy], pods: [PolicyPod], namespaceLabels: [String: [String: String]]) {
        self.policies = policies
        self.pods = pods
        self.namespaceLabels = namespaceLabels
    }

    /// The pods of node `nodeName` whose addresses lie in `podCIDRs` (any address when empty),
    /// with only those addresses, sorted by `namespace/name`.
    public func localPods(nodeName: String, podCIDRs: [IPPrefix]) -> [PolicyPod] {
        pods.compactMap { pod -> PolicyPod? in
            guard pod.nodeName == nodeName else { return nil }
            var local = pod
            local.addresses = pod.addresses.filter { address in podCIDRs.isEmpty || podCIDRs.contains { $0.contains(address) } }
            return local.addresses.isEmpty ? nil : local
        }.sorted { $0.key < $1.key }
    }

    /// The rules of each local pod isolated in at least one direction, sorted by pod, and what
    /// could not be read.
    public func rules(nodeName: String, podCIDRs: [IPPrefix]) -> (rules: [PodPolicyRules], problems: [String]) {
        var problems: [String] = []
        let lookup = self.lookup
        let compiled = policies.compactMap { compile($0, lookup: lookup, problems: &problems) }
        let byNamespace = Dictionary(grouping: compiled, by: \.namespace)
        var result: [PodPolicyRules] = []
        for pod in localPods(nodeName: nodeName, podCIDRs: podCIDRs) {
            var ingress: [PolicyAllowance]?
            var egress: [PolicyAllowance]?
            for policy in byNamespace[pod.namespace] ?? [] where policy.selector.matches(pod.labels) {
                if let rules = policy.ingress {
                    ingress = (ingress ?? []) + rules.flatMap { $0.ingressAllowances(to: pod) }
                }
                if let rules = policy.egress {
                    egress = (egress ?? []) + rules.flatMap { $0.egressAllowances(allPods: pods) }
                }
            }
            guard ingress != nil || egress != nil else { continue }
            result.append(PodPolicyRules(pod: pod.key, addresses: pod.addresses, ingress: ingress, egress: egress))
        }
        return (result, problems)
    }
}
