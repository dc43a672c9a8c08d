import KubeAPI

/// Pure rules shared by the EndpointSlice and Endpoints controllers: which pods back a
/// service, whether each can be an endpoint, and which port each service port reaches on each pod.
public enum ServiceEndpoints {
    /// One service port resolved on one pod.
    public struct ResolvedPort: Sendable, Hashable, Comparable {
        /// The service port's name (`""` when unnamed).
        public var name: String
        /// The port on the pod.
        public var port: Int
        /// `TCP`, `UDP` or `SCTP`.
        public var `protocol`: String
        /// The service port's `appProtocol`.
        public var appProtocol: String?

        /// Creates a port.
        public init(name: String, port: Int, protocol: String, appProtocol: String? = nil) {
            self.name = name
            self.port = port
            self.protocol = `protocol`
            self.appProtocol = appProtocol
        }

        /// Ordered by name, then port, then protocol.
        public static func < (lhs: ResolvedPort, rhs: ResolvedPort) -> Bool {
            (lhs.name, lhs.port, lhs.protocol) < (rhs.name, rhs.port, rhs.protocol)
        }
    }

    /// The ports a pod serves for the service: a numeric `targetPort` as is, a named one looked
    /// up among the pod's container ports (skipped when the pod has no such port), a missing one
    /// defaulting to `port`.
    public static func ports(of service: CoreV1.Service, on pod: CoreV1.Pod) -> [ResolvedPort] {
        var result: [ResolvedPort] = []
        for servicePort in service.spec?.ports ?? [] {
            let proto = servicePort.protocol ?? "TCP"
            let target: Int?
            switch servicePort.targetPort {
            case .int(let number)?: target = number
            case .string(let name)?:
                if let number = Int(name) {
                    target = number
                } else {
                    target = (pod.spec?.containers ?? []).lazy.flatMap { $0.ports ?? [] }
                        .first { $0.name == name && ($0.protocol ?? "TCP") == proto }?.containerPort
                }
            case nil: target = servicePort.port
            }
            guard let target else { continue }
            result.append(ResolvedPort(name: servicePort.name ?? "", port: target, protocol: proto, appProtocol: servicePort.appProtocol))
        }
        return result.sorted()
    }

    /// Whether a pod can be an endpoint at all: it has an IP and has not finished.
    public static func isCandidate(_ pod: CoreV1.Pod) -> Bool {
        guard let ip = pod.status?.podIP, !ip.isEmpty else { return false }
        return !pod.isTerminal
    }

    /// Whether the service selects `pod` (a service without selector selects nothing here).
    public static func selects(_ service: CoreV1.Service, _ pod: CoreV1.Pod) -> Bool {
        guard let selector = service.spec?.selector, !selector.isEmpty,
              pod.metadata.namespace == service.metadata.namespace else { return false }
        let labels = pod.metadata.labels ?? [:]
        return selector.allSatisfy { labels[$0.key] == $0.value }
    }

    /// The reference to a pod endpoints carry.
    static func reference(to pod: CoreV1.Pod) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(kind: "Pod", name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid)
    }

    /// The pod's DNS hostname for the service: its `hostname` when its `subdomain` names the service.
    static func hostname(of pod: CoreV1.Pod, for service: CoreV1.Service) -> String? {
        guard let hostname = pod.spec?.hostname, !hostname.isEmpty, pod.spec?.subdomain == service.metadata.name else { return nil }
        return hostname
    }
}
