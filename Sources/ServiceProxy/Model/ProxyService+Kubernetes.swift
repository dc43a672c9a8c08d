import KubeAPI

extension ProxyService {
    /// The label that hands a Service to another proxy (`service.kubernetes.io/service-proxy-name`).
    public static let serviceProxyNameLabel = "service.kubernetes.io/service-proxy-name"

    /// The model of `service`, or `nil` when the proxy has nothing to do for it: an
    /// `ExternalName` Service, a headless one (`clusterIP: None`), one without a cluster IP yet,
    /// or one labelled ``serviceProxyNameLabel`` (another proxy serves it, as kube-proxy leaves
    /// such Services alone; the built-in cluster DNS marks `kube-dns` this way).
    ///
    /// Addresses that do not parse and ports with an unknown protocol are left out (the API
    /// server validates both; the proxy never fails on them).
    public init?(_ service: CoreV1.Service) {
        guard let name = service.metadata.name, let spec = service.spec, spec.type != "ExternalName",
            service.metadata.labels?[Self.serviceProxyNameLabel] == nil
        else { return nil }
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
