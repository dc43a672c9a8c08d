import KubeAPI

/// A pod the kubelet may evict, with its current usage of the starved resource.
public struct EvictionCandidate: Sendable, Hashable {
    /// The pod.
    public var pod: CoreV1.Pod
    /// Usage per container: working-set bytes for memory, bytes for ephemeral storage, processes
    /// for PIDs.
    public var containerUsage: [String: Int64]

    /// Creates a candidate.
    public init(pod: CoreV1.Pod, containerUsage: [String: Int64]) {
        self.pod = pod
        self.containerUsage = containerUsage
    }

    /// The pod's total usage.
    public var usage: Int64 { containerUsage.values.reduce(0, +) }
}

/// What node-pressure eviction does next: fail one pod to reclaim a resource.
public struct EvictionDecision: Sendable, Hashable {
    /// The pod to evict.
    public var pod: CoreV1.Pod
    /// The threshold that made it necessary.
    public var met: ThresholdMet
    /// The pod status message (`The node was low on resource: memory. ...`).
    public var message: String
}

/// Upstream's order of eviction, as pure functions: for memory and disk, pods using more than
/// they request go first, then lower priority, then the larger use beyond requests; for PIDs,
/// lower priority then more processes. Critical pods (priority ≥ 2,000,000,000), terminal pods
/// and pods being deleted are never chosen.
public enum EvictionRanking {
    /// The priority at and above which a pod is critical (`system-cluster-critical`'s).
    public static let criticalPriority = 2_000_000_000
    /// The pod status reason of an evicted pod.
    public static let reason = "Evicted"

    /// Whether the pod may be evicted at all.
    public static func isEvictable(_ pod: CoreV1.Pod) -> Bool {
        if (pod.spec?.priority ?? 0) >= criticalPriority { return false }
        if pod.metadata.deletionTimestamp != nil { return false }
        let phase = pod.status?.phase
        return phase != "Succeeded" && phase != "Failed"
    }

    /// A container's request of a resource (its limit when only that is set, as defaulting does).
    static func request(_ container: CoreV1.Container, _ resource: String) -> Int64 {
        let quantity = container.resources?.requests?[resource] ?? container.resources?.limits?[resource]
        return quantity?.value ?? 0
    }

    /// The pod's request of a resource: its containers' sum, or the largest init container's
    /// when that is more.
    public static func podRequest(_ pod: CoreV1.Pod, _ resource: String) -> Int64 {
        let regular = (pod.spec?.containers ?? []).reduce(Int64(0)) { $0 + request($1, resource) }
        let initial = (pod.spec?.initContainers ?? []).map { request($0, resource) }.max() ?? 0
        return max(regular, initial)
    }

    /// Candidates in eviction order for a signal.
    public static func rank(_ candidates: [EvictionCandidate], for signal: EvictionSignal) -> [EvictionCandidate] {
        let evictable = candidates.filter { isEvictable($0.pod) }
        if signal == .pidAvailable {
            return evictable.sorted { lhs, rhs in
                let (left, right) = (lhs.pod.spec?.priority ?? 0, rhs.pod.spec?.priority ?? 0)
                if left != right { return left < right }
                return lhs.usage > rhs.usage
            }
        }
        let resource = signal == .memoryAvailable ? "memory" : "ephemeral-storage"
        func key(_ candidate: EvictionCandidate) -> (exceeds: Bool, priority: Int, beyond: Int64) {
            let beyond = candidate.usage - podRequest(candidate.pod, resource)
            return (beyond > 0, candidate.pod.spec?.priority ?? 0, beyond)
        }
        return evictable.sorted { lhs, rhs in
            let (left, right) = (key(lhs), key(rhs))
            if left.exceeds != right.exceeds { return left.exceeds }
            if left.priority != right.priority { return left.priority < right.priority }
            return left.beyond > right.beyond
        }
    }

    /// The pod status message upstream writes: the starved resource, the threshold and what is
    /// available, and each container using more than it requests.
    public static func message(for candidate: EvictionCandidate, met: ThresholdMet) -> String {
        let signal = met.threshold.signal
        let resource = signal.resource
        func amount(_ value: Int64) -> String {
            signal == .memoryAvailable || resource == "ephemeral-storage" ? Quantity(value, format: .binarySI).description : "\(value)"
        }
        var message = "The node was low on resource: \(resource). "
        message += "Threshold quantity: \(amount(met.threshold.amount(capacity: met.capacity))), available: \(amount(met.available)). "
        guard resource == "memory" || resource == "ephemeral-storage" else { return message }
        for container in candidate.pod.spec?.containers ?? [] {
            guard let name = container.name, let usage = candidate.containerUsage[name] else { continue }
            let requested = request(container, resource)
            if usage > requested {
                message += "Container \(name) was using \(amount(usage)), request is \(amount(requested)), has larger consumption of \(resource). "
            }
        }
        return message
    }

    /// The next eviction, if any: for the first threshold met (memory before disk before PIDs),
    /// the first pod in rank order.
    public static func decide(met: [ThresholdMet], candidates: [EvictionCandidate]) -> EvictionDecision? {
        guard let first = met.min(by: { $0.threshold.signal < $1.threshold.signal }),
            let victim = rank(candidates, for: first.threshold.signal).first
        else { return nil }
        return EvictionDecision(pod: victim.pod, met: first, message: message(for: victim, met: first))
    }
}
