import KubeAPI

/// The EndpointSlices a service should have, computed from its pods: endpoints grouped by the
/// ports they resolve to, at most ``maxEndpointsPerSlice`` per slice, in a stable order.
public enum EndpointSliceComputation {
    /// Upstream's default slice size.
    public static let maxEndpointsPerSlice = 100
    /// `endpointslice.kubernetes.io/managed-by` of slices this controller owns.
    public static let managedBy = "endpointslice-controller.k8s.io"
    /// The label naming a slice's service.
    public static let serviceNameLabel = "kubernetes.io/service-name"
    /// The label naming a slice's manager.
    public static let managedByLabel = "endpointslice.kubernetes.io/managed-by"

    /// The content of one slice.
    public struct SliceContent: Sendable, Hashable {
        /// Its ports.
        public var ports: [DiscoveryV1.EndpointPort]
        /// Its endpoints, ordered by address.
        public var endpoints: [DiscoveryV1.Endpoint]
    }

    /// One pod's endpoint, or `nil` when the pod cannot serve (no IP, finished).
    public static func endpoint(for pod: CoreV1.Pod, service: CoreV1.Service) -> DiscoveryV1.Endpoint? {
        guard ServiceEndpoints.isCandidate(pod), let ip = pod.status?.podIP else { return nil }
        let terminating = pod.metadata.deletionTimestamp != nil
        let publish = service.spec?.publishNotReadyAddresses == true
        let ready = publish || pod.isReady
        return DiscoveryV1.Endpoint(
            addresses: [ip],
            conditions: DiscoveryV1.EndpointConditions(ready: ready && (publish || !terminating), serving: ready, terminating: terminating),
            hostname: ServiceEndpoints.hostname(of: pod, for: service), nodeName: pod.spec?.nodeName,
            targetRef: ServiceEndpoints.reference(to: pod))
    }

    /// The slices `service` should have given the pods it selects (one empty placeholder when none serve).
    public static func slices(for service: CoreV1.Service, pods: [CoreV1.Pod], maxEndpoints: Int = maxEndpointsPerSlice) -> [SliceContent] {
        var groups: [[ServiceEndpoints.ResolvedPort]: [DiscoveryV1.Endpoint]] = [:]
        for pod in pods where ServiceEndpoints.selects(service, pod) {
            guard let endpoint = endpoint(for: pod, service: service) else { continue }
            let ports = ServiceEndpoints.ports(of: service, on: pod)
            if ports.isEmpty, !(service.spec?.ports ?? []).isEmpty { continue }
            groups[ports, default: []].append(endpoint)
        }
        var result: [SliceContent] = []
        for ports in groups.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let endpoints = groups[ports]!.sorted { ($0.addresses?.first ?? "", $0.targetRef?.name ?? "") < ($1.addresses?.first ?? "", $1.targetRef?.name ?? "") }
            let slicePorts = ports.map { DiscoveryV1.EndpointPort(appProtocol: $0.appProtocol, name: $0.name, port: $0.port, protocol: $0.protocol) }
            var start = 0
            while start < endpoints.count {
                let end = min(endpoints.count, start + max(1, maxEndpoints))
                result.append(SliceContent(ports: slicePorts, endpoints: Array(endpoints[start..<end])))
                start = end
            }
        }
        // A service without endpoints keeps one empty placeholder slice.
        return result.isEmpty ? [SliceContent(ports: [], endpoints: [])] : result
    }

    /// The labels of a service's slices: the service's own plus the service-name and
    /// managed-by labels (and `service.kubernetes.io/headless` for headless services).
    public static func labels(for service: CoreV1.Service) -> [String: String] {
        var labels = service.metadata.labels ?? [:]
        labels[serviceNameLabel] = service.metadata.name ?? ""
        labels[managedByLabel] = managedBy
        if service.spec?.clusterIP == "None" { labels["service.kubernetes.io/headless"] = "" }
        return labels
    }
}
