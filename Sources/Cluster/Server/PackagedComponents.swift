import IngressProxy
import KubeAPI
import KubeClient
import Logging
import ServiceLifecycle

/// The API objects of the packaged components a server runs built in, where K3s deploys
/// manifests: the `kube-dns` Service of the cluster DNS every node answers on, and for the
/// built-in ingress proxy its IngressClass (`k3s`, the default class) and its `LoadBalancer`
/// Service `kube-system/k3s-ingress` (ports 80 and 443), through which ServiceLB reserves those
/// ports on the nodes and publishes their addresses; and the default StorageClass `local-path`
/// (`PackagedComponents+LocalStorage.swift`). A component
/// named in `--disable` gets no objects, and objects made for it by an earlier start are
/// deleted (K3s removes a disabled component's manifests' objects too).
///
/// The objects are made once the API server listens and then left alone: a user may edit
/// them; a deleted one comes back at the next start.
public struct PackagedComponents: Sendable {
    /// K3s's name for the cluster DNS component (`--disable coredns`).
    public static let clusterDNS = "coredns"
    /// K3s's name for ServiceLB, the controller that gives LoadBalancer Services node addresses
    /// (`--disable servicelb`).
    public static let serviceLB = "servicelb"
    /// K3s's name for the ingress controller; here the built-in ingress proxy (`--disable traefik`).
    public static let ingress = "traefik"
    /// The NetworkPolicy enforcement every node runs (`--disable-network-policy`).
    public static let networkPolicy = "network-policy"
    /// The cluster DNS Service's name in `kube-system` (the name clients look for).
    public static let clusterDNSServiceName = "kube-dns"
    /// The value of `service.kubernetes.io/service-proxy-name` on the cluster DNS Service: every
    /// node serves its addresses itself, so the service proxy leaves it alone.
    public static let clusterDNSProxyName = "k3s-cluster-dns"
    static let proxyNameLabel = "service.kubernetes.io/service-proxy-name"
    /// The ingress proxy's `LoadBalancer` Service in `kube-system`.
    public static let ingressServiceName = "k3s-ingress"
    /// Its `service.kubernetes.io/service-proxy-name`: every node's proxy listens itself.
    public static let ingressProxyName = "k3s-ingress"

    /// The components not to run (`--disable`).
    public var disabled: Set<String>
    /// The cluster DNS addresses (`--cluster-dns`): the `kube-dns` Service's cluster IPs.
    public var clusterDNSAddresses: [IPAddress]

    /// Creates the set of components.
    public init(disabled: Set<String>, clusterDNSAddresses: [IPAddress]) {
        self.disabled = disabled
        self.clusterDNSAddresses = clusterDNSAddresses
    }

    /// The `kube-system/kube-dns` Service: the cluster DNS addresses, DNS over UDP and TCP plus
    /// the metrics port, labelled as K3s's CoreDNS Service is (`k8s-app: kube-dns`) and handed
    /// to the nodes' own DNS servers rather than to the service proxy.
    public var clusterDNSService: CoreV1.Service {
        let addresses = clusterDNSAddresses.map(\.description)
        return CoreV1.Service(
            metadata: MetaV1.ObjectMeta(
                labels: [
                    "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS",
                    Self.proxyNameLabel: Self.clusterDNSProxyName,
                ],
                name: Self.clusterDNSServiceName, namespace: "kube-system"),
            spec: CoreV1.ServiceSpec(
                clusterIP: addresses.first, clusterIPs: addresses,
                ipFamilyPolicy: addresses.count > 1 ? "PreferDualStack" : "SingleStack",
                ports: [
                    CoreV1.ServicePort(name: "dns", port: 53, protocol: "UDP", targetPort: .int(53)),
                    CoreV1.ServicePort(name: "dns-tcp", port: 53, protocol: "TCP", targetPort: .int(53)),
                    CoreV1.ServicePort(name: "metrics", port: 9153, protocol: "TCP", targetPort: .int(9153)),
                ],
                selector: ["k8s-app": "kube-dns"]))
    }

    /// The ingress proxy's `LoadBalancer` Service: HTTP and HTTPS, no selector (each node's
    /// proxy listens on its own addresses), no node ports.
    public var ingressService: CoreV1.Service {
        CoreV1.Service(
            metadata: MetaV1.ObjectMeta(
                labels: ["app.kubernetes.io/name": "k3s-ingress", Self.proxyNameLabel: Self.ingressProxyName],
                name: Self.ingressServiceName, namespace: "kube-system"),
            spec: CoreV1.ServiceSpec(
                allocateLoadBalancerNodePorts: false,
                ports: [
                    CoreV1.ServicePort(name: "web", port: 80, protocol: "TCP", targetPort: .int(80)),
                    CoreV1.ServicePort(name: "websecure", port: 443, protocol: "TCP", targetPort: .int(443)),
                ],
                type: "LoadBalancer"))
    }

    /// Makes the objects of the enabled components that are missing and deletes the ones of
    /// disabled components that a server made.
    ///
    /// - Throws: the first API error other than a conflict with an existing object.
    public func reconcile(client: KubeClient, logger: Logger) async throws {
        try await reconcileClusterDNS(client: client, logger: logger)
        try await reconcileLocalStorage(client: client, logger: logger)
        try await reconcileIngress(client: client, logger: logger)
    }

    func reconcileIngress(client: KubeClient, logger: Logger) async throws {
        guard !disabled.contains(Self.ingress) else {
            try await removeService(Self.ingressServiceName, ifProxiedBy: Self.ingressProxyName, client: client, logger: logger)
            return
        }
        try await BuiltInIngressDeployer.ensureIngressClass(client: client, policy: IngressClassPolicy())
        if try await service(Self.ingressServiceName, client: client) == nil {
            try await create(ingressService, client: client, logger: logger)
        }
    }

    func reconcileClusterDNS(client: KubeClient, logger: Logger) async throws {
        guard !disabled.contains(Self.clusterDNS) else {
            try await removeService(Self.clusterDNSServiceName, ifProxiedBy: Self.clusterDNSProxyName, client: client, logger: logger)
            return
        }
        if let existing = try await service(Self.clusterDNSServiceName, client: client) {
            if existing.metadata.labels?[Self.proxyNameLabel] != Self.clusterDNSProxyName {
                logger.warning("kube-system/kube-dns exists and is not the built-in cluster DNS's; left alone",
                    metadata: ["clusterIP": "\(existing.spec?.clusterIP ?? "-")"])
            }
        } else if !clusterDNSAddresses.isEmpty {
            try await create(clusterDNSService, client: client, logger: logger)
        }
    }

    /// The `kube-system` Service of that name, or `nil`.
    private func service(_ name: String, client: KubeClient) async throws -> CoreV1.Service? {
        do {
            return try await client.resource(CoreV1.Service.self).get(name, namespace: "kube-system")
        } catch let error as StatusError where error.code == 404 {
            return nil
        }
    }

    /// Creates a `kube-system` Service; one made meanwhile is kept.
    private func create(_ service: CoreV1.Service, client: KubeClient, logger: Logger) async throws {
        do {
            _ = try await client.resource(CoreV1.Service.self).create(service, namespace: "kube-system")
            logger.info("created a packaged component's Service", metadata: [
                "service": "kube-system/\(service.metadata.name ?? "")", "clusterIPs": "\(service.spec?.clusterIPs ?? [])",
            ])
        } catch let error as StatusError where error.code == 409 {}
    }

    /// Deletes a disabled component's Service if a server made it (it carries the component's
    /// proxy name); anyone else's Service of that name is left alone.
    private func removeService(_ name: String, ifProxiedBy proxyName: String, client: KubeClient, logger: Logger) async throws {
        guard try await service(name, client: client)?.metadata.labels?[Self.proxyNameLabel] == proxyName else { return }
        do {
            _ = try await client.resource(CoreV1.Service.self).delete(name, namespace: "kube-system")
            logger.notice("removed a disabled component's Service", metadata: ["service": "kube-system/\(name)"])
        } catch let error as StatusError where error.code == 404 {}
    }
}

/// Reconciles the packaged components once the API server answers (retrying every second until
/// it does), then waits for the server's shutdown.
struct PackagedComponentsService: Service {
    let components: PackagedComponents
    let client: KubeClient
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await components.reconcile(client: client, logger: logger)
                break
            } catch {
                logger.warning("packaged components not reconciled yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
        try? await gracefulShutdown()
    }
}
