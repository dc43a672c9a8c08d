import ContainerImages
import ContainerRuntime
import IngressProxy
import KubeAPI
import KubeClient
import Kubelet
import Logging
import NetOverlay
import NetworkPolicy
import ServiceProxy
import ServiceLifecycle

/// A node that runs real containers: the composition `k3s agent` runs, and `k3s server` runs for
/// its own node unless `--disable-agent`.
///
/// In order: registry settings (`/etc/rancher/k3s/registries.yaml`) become containerd's
/// `hosts.toml` files; containerd starts under supervision (unless
/// `--container-runtime-endpoint` names an existing CRI socket); the built-in pause image and
/// every archive in `DATA_DIR/agent/images` are imported; then the kubelet registers the node
/// and runs its pods through `CRIRuntimeClient`, its HTTPS API listens on port 10250; unless
/// `--flannel-backend none`, an `OverlayController` keeps the pod network between nodes (VXLAN
/// or host-gw) in step with the cluster's Nodes; and the CNI bridge configuration is written
/// once the node has a pod CIDR (and the overlay is set up: its pod MTU, and no bridge
/// masquerading when the overlay masquerades). Stopping the node stops the kubelet, the overlay
/// controller and containerd but not the containers, and leaves the overlay's kernel state in
/// place: a restarted node adopts both.
public struct ContainerNode: Sendable {
    /// What the node needs to know.
    public struct Configuration: Sendable {
        /// The data directory (`DATA_DIR`); the node's state lives under `DATA_DIR/agent`.
        public var dataDir: String
        /// The node's name.
        public var nodeName: String
        /// Flags of the node (`--node-ip`, `--node-label`, `--kubelet-arg`, ...).
        public var settings: NodeSettings
        /// The node's address when `--node-ip` is not given (the host's first non-loopback IPv4).
        public var defaultNodeIP: IPAddress
        /// Whether this node is a server's own (labelled `node-role.kubernetes.io/control-plane`).
        public var isServer: Bool
        /// K3s's registry file.
        public var registriesFile: String
        /// The kubelet API's port.
        public var kubeletPort: Int
        /// How the node upgrades itself when the upgrade controller asks; `nil` never upgrades.
        public var upgrade: NodeUpgradeSettings?

        /// Creates a configuration.
        public init(
            dataDir: String, nodeName: String, settings: NodeSettings, defaultNodeIP: IPAddress, isServer: Bool,
            registriesFile: String = "/etc/rancher/k3s/registries.yaml", kubeletPort: Int = 10250
        ) {
            self.dataDir = dataDir.trimmingTrailingSlash()
            self.nodeName = nodeName
            self.settings = settings
            self.defaultNodeIP = defaultNodeIP
            self.isServer = isServer
            self.registriesFile = registriesFile
            self.kubeletPort = kubeletPort
        }

        /// `DATA_DIR/agent`.
        public var agentDirectory: String { dataDir + "/agent" }
        /// The node's internal address.
        public var nodeIP: IPAddress { settings.nodeIPs.first ?? defaultNodeIP }
        /// The node's internal addresses (`--node-ip`, else the default address): the overlay's
        /// public IPs.
        public var nodeIPs: [IPAddress] { settings.nodeIPs.isEmpty ? [defaultNodeIP] : settings.nodeIPs }
        /// The addresses the kubelet's serving certificate is for.
        public var servingAddresses: [String] {
            (nodeIPs + settings.externalIPs).map(\.description)
        }
    }

    /// What the node needs to know.
    public let configuration: Configuration
    let logger: Logger

    /// Creates a node.
    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The kubelet settings of this node: the joined cluster's DNS settings, the node's address,
    /// labels and taints, and the `--kubelet-arg` values this kubelet understands.
    public func kubeletConfiguration(joined: NodeCredentials) throws -> KubeletConfiguration {
        var kubelet = KubeletConfiguration(nodeName: configuration.nodeName)
        kubelet.nodeIP = configuration.nodeIP.description
        if !joined.clusterDNS.isEmpty { kubelet.clusterDNS = joined.clusterDNS }
        if let domain = joined.clusterDomain { kubelet.clusterDomain = domain }
        kubelet.labels.merge(configuration.settings.labels) { _, new in new }
        if configuration.isServer {
            kubelet.labels["node-role.kubernetes.io/control-plane"] = "true"
            kubelet.labels["node-role.kubernetes.io/master"] = "true"
        }
        kubelet.serviceEnvironment = true
        kubelet.taints = configuration.settings.taints
        kubelet.kubeletPort = configuration.kubeletPort
        kubelet.rootDirectory = KubeletConfiguration.defaultRootDirectory
        kubelet.podLogsDirectory = KubeletConfiguration.defaultPodLogsDirectory
        kubelet.resolvConf = "/etc/resolv.conf"
        for (name, value) in configuration.settings.kubeletArgs {
            switch name {
            case "root-dir": kubelet.rootDirectory = value
            case "pod-logs-dir": kubelet.podLogsDirectory = value
            case "cgroup-root": kubelet.cgroupRoot = value
            case "cgroup-driver":
                guard value == "cgroupfs" || value == "systemd" else {
                    throw AgentError(description: "invalid --kubelet-arg cgroup-driver=\(value): cgroupfs or systemd")
                }
                kubelet.cgroupDriver = value
            case "resolv-conf": kubelet.resolvConf = value.isEmpty ? nil : value
            default:
                if !NodeResourceSettings.kubeletArgNames.contains(name) {
                    logger.warning("ignoring a kubelet setting this kubelet does not have", metadata: ["kubelet-arg": "\(name)=\(value)"])
                }
            }
        }
        // The machine: capacity, pressure, eviction, stats and garbage collection.
        kubelet.nodeResources.host = LinuxHostSystem()
        kubelet.nodeResources.externalIPs = configuration.settings.externalIPs.map(\.description)
        kubelet.nodeResources.rootDirectory = kubelet.rootDirectory ?? KubeletConfiguration.defaultRootDirectory
        kubelet.nodeResources.imageFilesystemPath = configuration.agentDirectory + "/containerd"
        kubelet.nodeResources.pinnedImages = [configuration.settings.pauseImage ?? PauseImage.defaultName]
        do {
            try kubelet.nodeResources.apply(kubeletArgs: configuration.settings.kubeletArgs)
        } catch {
            throw AgentError(description: error.description)
        }
        return kubelet
    }

    /// The overlay this node runs: its `--flannel-*` settings over the cluster's pod and Service
    /// networks from the join answer (K3s's defaults when an older server handed none); `nil`
    /// for `--flannel-backend none`.
    public func overlayConfiguration(joined: NodeCredentials) -> OverlayConfiguration? {
        guard configuration.settings.overlay.backend != nil else { return nil }
        return networks(joined: joined)
    }

    /// What the service proxy needs of this node: its name, its node IPs and the cluster CIDRs
    /// (from the join answer, else the `--cluster-cidr` default).
    public func serviceProxyConfiguration(joined: NodeCredentials) -> ServiceProxyConfiguration {
        ServiceProxyConfiguration(
            nodeName: configuration.nodeName, nodeIPs: configuration.nodeIPs, clusterCIDRs: networks(joined: joined).clusterCIDRs)
    }

    /// The node's part of the cluster DNS: the joined cluster's DNS addresses and domain, with
    /// the kubelet's `resolv.conf` as upstream; `nil` when the server disabled it
    /// (`--disable coredns`) or handed no DNS address.
    func clusterDNS(joined: NodeCredentials, kubelet: KubeletConfiguration) -> NodeClusterDNS? {
        guard !joined.disabledComponents.contains(PackagedComponents.clusterDNS) else { return nil }
        let addresses = joined.clusterDNS.compactMap { IPAddress($0) }
        guard !addresses.isEmpty else { return nil }
        return NodeClusterDNS(
            addresses: addresses, domain: joined.clusterDomain ?? "cluster.local", upstreamResolvConf: kubelet.resolvConf,
            runner: IPRouteCommandRunner(), logger: logger.with(component: "cluster-dns"))
    }

    /// The node's NetworkPolicy enforcement (nftables, for its own pods), unless the server runs
    /// without it (`--disable-network-policy`). Its table stays when the node stops, so pods
    /// stay protected across a restart.
    func networkPolicyController(joined: NodeCredentials, informers: InformerFactory) -> NetworkPolicyController? {
        guard !joined.disabledComponents.contains(PackagedComponents.networkPolicy) else { return nil }
        return NetworkPolicyController(
            configuration: NetworkPolicyConfiguration(nodeName: configuration.nodeName, podCIDRs: []), informers: informers,
            runner: CommandNFTablesRunner(), logger: logger.with(component: "network-policy"))
    }

    /// The node's built-in ingress proxy (ports 80 and 443), unless the server runs without it
    /// (`--disable traefik`). The server's own node also writes Ingress status and events.
    func ingressProxy(joined: NodeCredentials, client: KubeClient, informers: InformerFactory) -> NodeIngressProxy? {
        guard !joined.disabledComponents.contains(PackagedComponents.ingress) else { return nil }
        return NodeIngressProxy(
            configuration: IngressProxyConfiguration(), client: client, informers: informers, leading: configuration.isServer,
            nodeName: configuration.nodeName, logger: logger.with(component: "ingress"))
    }

    /// The node's network settings with the cluster and service CIDRs the server sent at join
    /// (the flags' defaults where it sent none).
    func networks(joined: NodeCredentials) -> OverlayConfiguration {
        var networks = configuration.settings.overlay
        if !joined.clusterCIDRs.isEmpty { networks.clusterCIDRs = joined.clusterCIDRs }
        if !joined.serviceCIDRs.isEmpty { networks.serviceCIDRs = joined.serviceCIDRs }
        return networks
    }

    /// What the overlay controller needs of this node: its name, its node IPs as the overlay's
    /// public IPs (the first of each family) and `--flannel-iface`.
    public var overlaySettings: OverlayController.Settings {
        var publicIPs: [IPAddress] = []
        for address in configuration.nodeIPs where !publicIPs.contains(where: { $0.family == address.family }) {
            publicIPs.append(address)
        }
        return OverlayController.Settings(
            nodeName: configuration.nodeName, publicIPs: publicIPs, interface: configuration.settings.overlay.interface)
    }

    /// The CNI bridge network for `podCIDR`: the overlay's pod MTU (1450 over a 1500-byte VXLAN
    /// underlay), and the bridge's own masquerading only when the overlay does not masquerade
    /// (its rules would also rewrite pod traffic to other nodes).
    public static func cniConfiguration(
        podCIDR: String, overlay: OverlayConfiguration?, attributes: OverlayAttributes?
    ) throws -> CNIConfiguration {
        try CNIConfiguration(podCIDR: podCIDR, mtu: attributes?.podMTU, ipMasq: overlay?.masquerade == nil)
    }
}

extension ContainerNode {
    /// Runs the node with `credentials` (from joining) until the task is cancelled: registry
    /// settings, containerd (unless an endpoint was given), image imports, then the kubelet, its
    /// API server and the CNI configuration. Returns (or throws) when any of them ends.
    public func run(credentials: NodeCredentials) async throws {
        let transport = try HTTPSTransport(configuration: try credentials.transportConfiguration(), logger: logger)
        let client = KubeClient(transport: transport, userAgent: "k3s-kubelet/\(configuration.nodeName)")
        let sandboxImage = configuration.settings.pauseImage ?? PauseImage.defaultName
        var containerdConfiguration = ContainerdConfiguration(dataDirectory: configuration.dataDir, sandboxImage: sandboxImage)
        let socket: String
        var managed: ManagedContainerd?
        if let endpoint = configuration.settings.containerRuntimeEndpoint {
            socket = endpoint.hasPrefix("unix://") ? String(endpoint.dropFirst("unix://".count)) : endpoint
        } else {
            socket = containerdConfiguration.socketPath
        }
        let images = AgentImages(
            dataDirectory: configuration.dataDir, containerdAddress: socket, pauseImage: sandboxImage,
            registriesPath: configuration.registriesFile, logger: logger.with(component: "images"))
        // Registries before containerd starts: mirrors and TLS in hosts files, credentials in
        // containerd's own configuration.
        if let rendered = images.writeRegistries().0, !rendered.credentials.isEmpty {
            containerdConfiguration.additionalTOML = ContainerdHostsDirectory.criRegistryAuthTOML(rendered.credentials)
        }
        if configuration.settings.containerRuntimeEndpoint == nil {
            managed = ManagedContainerd(settings: .init(configuration: containerdConfiguration), logger: logger.with(component: "containerd"))
        }
        let kubeletConfiguration = try kubeletConfiguration(joined: credentials)
        let informers = InformerFactory(client: client, logger: logger.with(component: "informers"))
        let overlayConfiguration = overlayConfiguration(joined: credentials)
        let controller = overlayConfiguration?.makeOverlay(logger: logger.with(component: "overlay")).map { overlay in
            OverlayController(
                client: client, informers: informers, overlay: overlay, settings: overlaySettings,
                logger: logger.with(component: "overlay"))
        }
        let clusterDNS = clusterDNS(joined: credentials, kubelet: kubeletConfiguration)
        let networkPolicy = networkPolicyController(joined: credentials, informers: informers)
        let ingress = ingressProxy(joined: credentials, client: client, informers: informers)
        let serviceProxy = ServiceProxyController(
            configuration: serviceProxyConfiguration(joined: credentials), informers: informers, runner: CommandNFTablesRunner(),
            logger: logger.with(component: "service-proxy"))
        do {
            try await withThrowingDiscardingTaskGroup { group in
                if let managed {
                    group.addTask { try await managed.run() }
                    try await managed.waitUntilReady()
                }
                let imported = await images.importImages()
                if configuration.settings.pauseImage == nil, let failure = imported.pause?.failure {
                    throw AgentError(description: "the built-in pause image could not be imported: \(failure)")
                }
                let runtime = try CRIRuntimeClient(configuration: .init(socketPath: socket), logger: logger.with(component: "cri"))
                let kubelet = Kubelet(client: client, configuration: kubeletConfiguration, runtime: runtime, logger: logger)
                let stats = kubelet.stats
                guard let servingCertificate = credentials.servingCertificatePEM else {
                    throw AgentError(description: "the node joined without a kubelet serving certificate")
                }
                let server = KubeletServer(
                    configuration: .init(
                        nodeName: configuration.nodeName, port: configuration.kubeletPort,
                        certificateChainPEM: servingCertificate + credentials.caBundlePEM, privateKeyPEM: credentials.privateKeyPEM,
                        clientCAPEM: credentials.clientCAPEM),
                    pods: kubelet, runtime: runtime, client: client, stats: stats, logger: logger)
                group.addTask { try await server.run() }
                group.addTask { try await kubelet.run() }
                if let controller {
                    logger.info("starting the overlay", metadata: [
                        "backend": "\(overlayConfiguration?.backend?.rawValue ?? "none")",
                        "publicIPs": "\(controller.settings.publicIPs)", "iface": "\(controller.settings.interface ?? "-")",
                    ])
                    group.addTask { await controller.run() }
                }
                group.addTask { await serviceProxy.run() }
                if let clusterDNS {
                    group.addTask { await clusterDNS.run(informers: informers) }
                }
                if let networkPolicy {
                    group.addTask { await networkPolicy.run() }
                }
                if let ingress {
                    group.addTask { await ingress.run() }
                }
                if let upgrade = configuration.upgrade {
                    let upgrader = NodeUpgrader(
                        nodeName: configuration.nodeName, client: client, dataDir: configuration.dataDir, settings: upgrade,
                        logger: logger.with(component: "upgrade"))
                    group.addTask { await upgrader.run() }
                }
                let cniDirectory = containerdConfiguration.cniConfDirectory
                group.addTask {
                    try await writeCNIConfiguration(
                        informers: informers, overlay: overlayConfiguration, controller: controller, directory: cniDirectory)
                }
            }
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
    }

    /// Waits for the node's pod CIDR (a watch on its own Node through the shared `informers`)
    /// and, with an overlay, for the overlay's set-up, then writes the bridge CNI configuration
    /// containerd reads.
    func writeCNIConfiguration(
        informers: InformerFactory, overlay: OverlayConfiguration?, controller: OverlayController?, directory: String
    ) async throws {
        let (cidrs, found) = AsyncStream<String>.makeStream()
        informers.informer(CoreV1.Node.self, fieldSelector: "metadata.name=\(configuration.nodeName)").addHandler(
            InformerHandler(
                onAdd: { node in if let value = node.spec?.podCIDR { found.yield(value) } },
                onUpdate: { _, node in if let value = node.spec?.podCIDR { found.yield(value) } }))
        let podCIDR = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { await informers.run(); return nil }
            group.addTask { await cidrs.first { _ in true } }
            defer { group.cancelAll() }
            while let next = try await group.next() { if let next { return next } }
            throw CancellationError()
        }
        // The controller sets the overlay up as soon as it sees the same pod CIDR (after its
        // debounce); its attributes carry the pod MTU.
        let attributes = try await controller?.setUpAttributes()
        let cni = try Self.cniConfiguration(podCIDR: podCIDR, overlay: overlay, attributes: attributes)
        let path = try cni.write(toDirectory: directory)
        logger.info("pod network configured", metadata: [
            "podCIDR": "\(podCIDR)", "file": "\(path)", "mtu": "\(cni.mtu.map(String.init) ?? "default")", "ipMasq": "\(cni.ipMasq)",
        ])
    }
}

extension Logger {
    /// A copy with a `component` metadata value.
    func with(component: String) -> Logger {
        var copy = self
        copy[metadataKey: "component"] = "\(component)"
        return copy
    }
}
