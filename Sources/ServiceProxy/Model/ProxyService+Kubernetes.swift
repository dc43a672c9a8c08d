import KubeAPI

extension ProxyService {
    /// The model of `service`, or `nil` when the proxy has nothing to do for it: an
    /// `ExternalName` Service, a headless one (`clusterIP: None`) or one without a cluster IP yet.
    ///
    /// Addresses that do not parse and ports with an unknown protocol are left out (the API
    /// server validates both; the proxy never fails on them).
    public init?(_ service: CoreV1.Service) {
        guard let name = service.metadata.name, let spec = service.spec, spec.type != "ExternalName" else { return nil }
        let texts = spec.clusterIPs ?? spec.clusterIP.map { [$0] } ?? []
        let clusterIPs = texts.compactMap { IPAddress($0) }
        guard !clusterIPs.isEmpty else { return nil }
        let ports = (spec.ports ?? []).compactMap { port -> Port? in
            guard let number = port.port, let proto = PortProtocol(apiName: port.protocol) else { return nil }
            return Port(name: port.name ?? "", protocol: proto, port: number, targetPort: port.targetPort, nodePort: port.nodePort)
        }
        let affinity = spec.sessionAffinity == "ClientIP"
            ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? Self.defaultAffinityTimeout) : nil
        self.init(
            id: ID(namespace: service.metadata.namespace ?? "default", name: name),
            clusterIPs: clusterIPs, ports: ports,
            externalIPs: (spec.externalIPs ?? []).compactMap { IPAddress($0) },
            loadBalancerIPs: (service.status?.loadBalancer?.ingress ?? []).compactMap { $0.ip.flatMap { IPAddress($0) } },
            sessionAffinityTimeout: affinity,
            externalTrafficPolicy: TrafficPolicy(rawValue: spec.externalTrafficPolicy ?? "Cluster") ?? .cluster,
            internalTrafficPolicy: TrafficPolicy(rawValue: spec.internalTrafficPolicy ?? "Cluster") ?? .cluster)
    }
}
