import KubeAPI

/// The legacy `Endpoints` subsets of a service: ready pods in `addresses`, others in
/// `notReadyAddresses`, pods grouped by the ports they resolve to, addresses ordered by IP.
public enum EndpointsComputation {
    /// The subsets for `service` given the pods of its namespace.
    public static func subsets(for service: CoreV1.Service, pods: [CoreV1.Pod]) -> [CoreV1.EndpointSubset] {
        let publish = service.spec?.publishNotReadyAddresses == true
        var groups: [[ServiceEndpoints.ResolvedPort]: (ready: [CoreV1.EndpointAddress], notReady: [CoreV1.EndpointAddress])] = [:]
        for pod in pods where ServiceEndpoints.selects(service, pod) && ServiceEndpoints.isCandidate(pod) {
            // Terminating pods leave the legacy object unless not-ready addresses are published.
            if pod.metadata.deletionTimestamp != nil && !publish { continue }
            let ports = ServiceEndpoints.ports(of: service, on: pod)
            if ports.isEmpty, !(service.spec?.ports ?? []).isEmpty { continue }
            let address = CoreV1.EndpointAddress(
                hostname: ServiceEndpoints.hostname(of: pod, for: service), ip: pod.status?.podIP,
                nodeName: pod.spec?.nodeName, targetRef: ServiceEndpoints.reference(to: pod))
            if publish || pod.isReady {
                groups[ports, default: ([], [])].ready.append(address)
            } else {
                groups[ports, default: ([], [])].notReady.append(address)
            }
        }
        func ordered(_ addresses: [CoreV1.EndpointAddress]) -> [CoreV1.EndpointAddress]? {
            addresses.isEmpty ? nil : addresses.sorted { ($0.ip ?? "", $0.targetRef?.name ?? "") < ($1.ip ?? "", $1.targetRef?.name ?? "") }
        }
        return groups.keys.sorted { $0.lexicographicallyPrecedes($1) }.map { ports in
            let group = groups[ports]!
            return CoreV1.EndpointSubset(
                addresses: ordered(group.ready), notReadyAddresses: ordered(group.notReady),
                ports: ports.isEmpty ? nil : ports.map { CoreV1.EndpointPort(appProtocol: $0.appProtocol, name: $0.name.isEmpty ? nil : $0.name, port: $0.port, protocol: $0.protocol) })
        }
    }
}
