import KubeAPI

/// A pod with everything the scheduler derives from it computed once: requests, ports,
/// tolerations, compiled affinity terms and spread constraints.
public final class PodInfo: Sendable {
    /// The pod as last seen.
    public let pod: CoreV1.Pod
    /// `namespace/name`.
    public let key: String
    /// The namespace (`default` when absent).
    public let namespace: String
    /// The name.
    public let name: String
    /// `spec.nodeName` (empty when unset).
    public let nodeName: String
    /// The pod's labels.
    public let labels: [String: String]
    /// The priority (`spec.priority`, or the resolved priority class value, else 0).
    public let priority: Int
    /// Resource requests.
    public let requests: PodRequests
    /// Host ports the pod binds.
    public let hostPorts: [HostPort]
    /// Tolerations.
    public let tolerations: [PodToleration]
    /// Node selector and required node affinity.
    public let nodeSelector: NodeSelectorMatcher
    /// Preferred node affinity terms with their weights.
    public let preferredNodeTerms: [(term: NodeSelectorMatcher.Term, weight: Int64)]
    /// Required pod affinity terms.
    public let requiredAffinity: [AffinityTerm]
    /// Required pod anti-affinity terms.
    public let requiredAntiAffinity: [AffinityTerm]
    /// Preferred pod affinity terms.
    public let preferredAffinity: [AffinityTerm]
    /// Preferred pod anti-affinity terms.
    public let preferredAntiAffinity: [AffinityTerm]
    /// Topology spread constraints.
    public let spreadConstraints: [SpreadConstraint]
    /// Creation time in seconds since the epoch (0 when absent).
    public let creationSeconds: Int64
    /// Start time (`status.startTime`) in seconds since the epoch, or creation time.
    public let startSeconds: Int64
    /// The UID of the controlling owner (ReplicaSet, StatefulSet, ...), if any.
    public let controllerUID: String?
    /// The claims its volumes use (``KubeAPI/CoreV1/Pod/claimNames``).
    public let claimNames: [String]
    /// Whether the pod has a deletion timestamp.
    public let isTerminating: Bool
    /// Why the pod's scheduling constraints could not be compiled, if they could not.
    public let invalidReason: String?

    /// Whether the pod has any pod (anti-)affinity term.
    public var hasAffinity: Bool {
        !requiredAffinity.isEmpty || !requiredAntiAffinity.isEmpty || !preferredAffinity.isEmpty || !preferredAntiAffinity.isEmpty
    }

    /// Compiles a pod. `priority` overrides `spec.priority` (for a resolved priority class).
    public init(_ pod: CoreV1.Pod, priority: Int? = nil) {
        self.pod = pod
        let namespace = pod.metadata.namespace ?? "default"
        let name = pod.metadata.name ?? ""
        self.namespace = namespace
        self.name = name
        self.key = namespace + "/" + name
        self.nodeName = pod.spec?.nodeName ?? ""
        let labels = pod.metadata.labels ?? [:]
        self.labels = labels
        self.priority = priority ?? pod.spec?.priority ?? 0
        self.requests = PodRequests(pod: pod)
        self.hostPorts = HostPort.ports(of: pod)
        self.tolerations = (pod.spec?.tolerations ?? []).map(PodToleration.init)
        self.nodeSelector = NodeSelectorMatcher(pod: pod)
        self.preferredNodeTerms = (pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
            .compactMap { term in
                guard let preference = term.preference, let weight = term.weight, weight != 0 else { return nil }
                return (NodeSelectorMatcher.compile(preference), Int64(weight))
            }
        self.creationSeconds = pod.metadata.creationTimestamp?.secondsSinceEpoch ?? 0
        self.startSeconds = pod.status?.startTime?.secondsSinceEpoch ?? creationSeconds
        self.isTerminating = pod.isTerminating
        self.claimNames = pod.claimNames
        self.controllerUID = pod.metadata.controllerRef?.uid
        var invalid: String?
        func compile(_ terms: [CoreV1.PodAffinityTerm]?) -> [AffinityTerm] {
            (terms ?? []).compactMap { term in
                do { return try AffinityTerm(term, namespace: namespace, labels: labels) } catch {
                    invalid = "invalid pod affinity term: \(error)"
                    return nil
                }
            }
        }
        func compileWeighted(_ terms: [CoreV1.WeightedPodAffinityTerm]?) -> [AffinityTerm] {
            (terms ?? []).compactMap { weighted in
                guard let term = weighted.podAffinityTerm, let weight = weighted.weight, weight != 0 else { return nil }
                do { return try AffinityTerm(term, namespace: namespace, labels: labels, weight: Int64(weight)) } catch {
                    invalid = "invalid pod affinity term: \(error)"
                    return nil
                }
            }
        }
        let affinity = pod.spec?.affinity
        self.requiredAffinity = compile(affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
        self.requiredAntiAffinity = compile(affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution)
        self.preferredAffinity = compileWeighted(affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution)
        self.preferredAntiAffinity = compileWeighted(affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution)
        var constraints: [SpreadConstraint] = []
        for constraint in pod.spec?.topologySpreadConstraints ?? [] {
            do { constraints.append(try SpreadConstraint(constraint, labels: labels)) } catch {
                invalid = "invalid topology spread constraint: \(error)"
            }
        }
        self.spreadConstraints = constraints
        self.invalidReason = invalid
    }
}

/// A host port a pod binds: IP (`0.0.0.0` when unset), protocol and port.
public struct HostPort: Sendable, Hashable {
    /// The host IP; `0.0.0.0` means every address.
    public var ip: String
    /// `TCP`, `UDP` or `SCTP`.
    public var `protocol`: String
    /// The port number.
    public var port: Int

    /// Creates a host port.
    public init(ip: String = "0.0.0.0", protocol: String = "TCP", port: Int) {
        self.ip = ip.isEmpty ? "0.0.0.0" : ip
        self.protocol = `protocol`.isEmpty ? "TCP" : `protocol`
        self.port = port
    }

    /// Whether two host ports cannot both be bound on one node.
    public func conflicts(with other: HostPort) -> Bool {
        port == other.port && self.protocol == other.protocol
            && (ip == other.ip || ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }

    /// The host ports of a pod's containers and init containers (entries with `hostPort` > 0).
    public static func ports(of pod: CoreV1.Pod) -> [HostPort] {
        var result: [HostPort] = []
        for container in (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? []) {
            for port in container.ports ?? [] {
                guard let hostPort = port.hostPort, hostPort > 0 else { continue }
                result.append(HostPort(ip: port.hostIP ?? "", protocol: port.protocol ?? "TCP", port: hostPort))
            }
        }
        return result
    }
}
