import KubeAPI

/// Pure usage accounting of the resource quota controller: what the objects of one
/// namespace use of each resource name a quota limits.
public struct QuotaUsage: Sendable {
    /// The namespace's pods.
    public var pods: [CoreV1.Pod] = []
    /// The namespace's services.
    public var services: [CoreV1.Service] = []
    /// Object counts of other resources, by plural resource name (`configmaps`, `secrets`, ...).
    public var counts: [String: Int] = [:]
    /// The namespace's claims.
    public var claims: [CoreV1.PersistentVolumeClaim] = []

    /// Creates an empty usage.
    public init(pods: [CoreV1.Pod] = [], services: [CoreV1.Service] = [], counts: [String: Int] = [:], claims: [CoreV1.PersistentVolumeClaim] = []) {
        self.pods = pods
        self.services = services
        self.counts = counts
        self.claims = claims
    }

    /// Whether a pod still counts against quota (not finished).
    public static func counts(_ pod: CoreV1.Pod) -> Bool { !pod.isTerminal }

    /// The usage of each resource name in `hard` (names this accounting does not know are
    /// left out, as upstream leaves them for other evaluators).
    public func used(for hard: [String: Quantity]) -> [String: Quantity] {
        var used: [String: Quantity] = [:]
        let active = pods.filter(Self.counts)
        for name in hard.keys {
            let plain = name.hasPrefix("count/") ? String(name.dropFirst("count/".count)) : name
            switch plain {
            case "pods": used[name] = Quantity(Int64(active.count))
            case "services": used[name] = Quantity(Int64(services.count))
            case "services.loadbalancers": used[name] = Quantity(Int64(services.filter { $0.spec?.type == "LoadBalancer" }.count))
            case "services.nodeports":
                used[name] = Quantity(Int64(services.filter { ["NodePort", "LoadBalancer"].contains($0.spec?.type ?? "") }
                    .reduce(0) { $0 + ($1.spec?.ports ?? []).filter { $0.nodePort != nil }.count }))
            case "persistentvolumeclaims": used[name] = Quantity(Int64(claims.count))
            case "requests.storage":
                used[name] = claims.reduce(Quantity.zero) { $0 + ($1.spec?.resources?.requests?["storage"] ?? .zero) }
            case "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage":
                let resource = plain.hasPrefix("requests.") ? String(plain.dropFirst("requests.".count)) : plain
                used[name] = active.reduce(Quantity.zero) { $0 + Self.podTotal($1, resource: resource, limits: false) }
            case "limits.cpu", "limits.memory", "limits.ephemeral-storage":
                used[name] = active.reduce(Quantity.zero) { $0 + Self.podTotal($1, resource: String(plain.dropFirst("limits.".count)), limits: true) }
            default:
                if let count = counts[plain] ?? counts[plain.split(separator: ".").first.map(String.init) ?? plain] {
                    used[name] = Quantity(Int64(count))
                }
            }
        }
        return used
    }

    /// A pod's request (or limit) of `resource`: the larger of the containers' sum and the
    /// largest init container, plus the pod overhead.
    static func podTotal(_ pod: CoreV1.Pod, resource: String, limits: Bool) -> Quantity {
        func amount(_ container: CoreV1.Container) -> Quantity {
            (limits ? container.resources?.limits : container.resources?.requests)?[resource] ?? .zero
        }
        let sum = (pod.spec?.containers ?? []).reduce(Quantity.zero) { $0 + amount($1) }
        let initMax = (pod.spec?.initContainers ?? []).map(amount).max() ?? .zero
        return max(sum, initMax) + (pod.spec?.overhead?[resource] ?? .zero)
    }
}
