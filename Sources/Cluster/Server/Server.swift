import APIServer
import Controllers
import Datastore
import KubeClient
import Logging
import ServiceLifecycle

/// The `k3s server` process: composes the control plane's services into one `ServiceGroup`,
/// started in order (datastore, then API server) and stopped in reverse on SIGTERM or SIGINT.
///
/// On start it prepares the PKI and node token under the data directory, opens the datastore,
/// binds the API server (the kubeconfig is written once the port is known, so
/// `--https-listen-port 0` works), and serves until a shutdown signal. The group holds the
/// datastore, the API server and the control plane (the scheduler and the controllers, each
/// unless disabled) and, unless ``ServerConfiguration/disableAgent``, the server's own node: a
/// ``ContainerNode`` joined over loopback with the node token, as `k3s agent` joins.
public struct Server: Sendable {
    /// What the server was told to do.
    public let configuration: ServerConfiguration
    /// What `/version` reports (the `k3s` binary passes its build stamp).
    public let version: VersionInfo
    /// Told `READY=1` once the API server answers `/readyz` (under a `Type=notify` unit).
    public let notifier: SystemdNotifier?
    /// Set when the server's node asks to restart into an upgraded binary; `nil` never upgrades.
    public let restart: RestartRequest?
    private let logger: Logger

    /// Creates a server from its configuration.
    public init(
        configuration: ServerConfiguration, version: VersionInfo = VersionInfo(), notifier: SystemdNotifier? = nil,
        restart: RestartRequest? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.version = version
        self.notifier = notifier
        self.restart = restart
        self.logger = logger
    }

    /// Runs until a shutdown signal arrives. `onReady` is called with the open datastore and the
    /// bound port once the API server listens.
    public func run(onReady: @Sendable (any Datastore, Int) async -> Void = { _, _ in }) async throws {
        let credentials = try ServerCredentials.prepare(configuration: configuration, logger: logger)
        let datastore = try await DatastoreService.open(
            configuration.datastore,
            keyPrefix: configuration.keyPrefix,
            logger: logger
        )
        let tokenAuthFile = try configuration.tokenAuthFile.map { path throws -> String in
            guard let text = try FileSystem.readTextFile(path) else {
                throw ServerStartError(description: "--token-auth-file \(path) does not exist")
            }
            return text
        }
        let encryptionFiles = SecretsEncryptionFiles(configuration: configuration)
        let encryption = try encryptionFiles.load(create: configuration.secretsEncryption, logger: logger)
        let encryptingStore = encryption.map {
            EncryptingDatastore(wrapping: datastore.store, encryption: StorageEncryption(
                configuration: $0.configuration, root: configuration.keyPrefix,
                coreResources: ResourceDescriptor.builtin.filter { $0.group.isEmpty }.map(\.resource)))
        }
        let pki = credentials.pki
        let apiServer = try KubeAPIServer(
            configuration: .init(
                host: configuration.bindAddress.description,
                port: configuration.httpsListenPort,
                tls: TLSCredentials(
                    certificateChainPEM: pki.servingCertificateChainPEM,
                    privateKeyPEM: pki.servingKeyPEM,
                    clientCAPEM: pki.clientCAPEM
                ),
                serviceAccountKey: .es256(pki.serviceAccountKey),
                tokenAuthFile: tokenAuthFile,
                serverToken: credentials.nodeToken.description,
                serviceIPRange: configuration.serviceIPRange,
                serviceNodePortRange: configuration.serviceNodePortRange,
                nodeJoin: NodeJoinConfiguration(
                    caBundlePEM: pki.serverCAPEM, serverToken: credentials.nodeToken.description, signer: pki,
                    clusterDNS: configuration.clusterDNS.map(\.description), clusterDomain: configuration.clusterDomain,
                    clusterCIDRs: configuration.clusterCIDRs.map(\.description),
                    serviceCIDRs: configuration.serviceCIDRs.map(\.description),
                    disabledComponents: configuration.disabledComponents.sorted()),
                version: version,
                kubeletClient: try pki.kubeletClientConfiguration()
            ),
            datastore: encryptingStore ?? datastore.store,
            logger: logger
        )
        let secretsEncryption = SecretsEncryptionController(
            configuration: encryption?.configuration, stage: encryption?.stage ?? .start, hashError: encryption?.hashError,
            datastore: encryptingStore, registry: apiServer.registry,
            persist: { configuration, stage in try encryptionFiles.persist(configuration, stage) },
            logger: logger.with(component: "secrets-encrypt"))
        apiServer.serveSecretsEncryption(secretsEncryption)
        // metrics.k8s.io (`kubectl top`): each node's /metrics/resource, read through the API
        // server's own nodes/proxy with its kubelet client certificate, as metrics-server would.
        let metricsTransport = apiServer.transport(as: UserInfo(name: "system:k3s-metrics-server", groups: ["system:masters"]))
        let metricsClient = KubeClient(transport: metricsTransport, userAgent: "k3s-metrics-server")
        let scraper = KubeletMetricsScraper(
            nodeNames: { try await apiServer.nodeNames() },
            fetch: { name in
                String(decoding: try await metricsClient.send(KubeRequest(method: .get, path: "/api/v1/nodes/\(name)/proxy/metrics/resource")), as: UTF8.self)
            },
            logger: logger)
        apiServer.serveResourceMetrics(from: scraper)
        let port = try await apiServer.bind()
        var bound = configuration
        bound.httpsListenPort = port
        try credentials.writeKubeconfig(for: bound)

        let controlPlane = ControlPlane(
            apiServer: apiServer,
            options: .init(
                scheduler: !configuration.disableScheduler,
                controllers: !configuration.disableControllerManager,
                controllerOptions: ControllerOptions(
                    clusterCIDR: configuration.clusterCIDRs.first ?? ServerConfiguration.defaultClusterCIDR,
                    rootCAPEM: pki.serverCAPEM, serviceLB: !configuration.disabledComponents.contains(PackagedComponents.serviceLB),
                    localStoragePath: configuration.disabledComponents.contains(PackagedComponents.localStorage)
                        ? nil : configuration.localStoragePath),
                identity: configuration.nodeName + "_" + String(UInt64.random(in: 0 ... .max), radix: 16)),
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: datastore, serviceName: "datastore"), .init(service: APIServerService(server: apiServer), serviceName: "apiserver"),
            .init(service: MetricsScraperService(scraper: scraper), serviceName: "metrics-scraper"),
            .init(service: SecretsEncryptionService(controller: secretsEncryption, apiServer: apiServer), serviceName: "secrets-encryption"),
        ]
        let supervisor = KubeClient(
            transport: apiServer.transport(as: UserInfo(name: "system:k3s-supervisor", groups: ["system:masters"])), userAgent: "k3s-supervisor")
        services.append(.init(service: PackagedComponentsService(
            components: PackagedComponents(disabled: configuration.disabledComponents, clusterDNSAddresses: configuration.clusterDNS),
            client: supervisor, logger: logger.with(component: "packaged-components")), serviceName: "packaged-components"))
        let manifests = configuration.dataDir + "/server/manifests"
        try FileSystem.makeDirectories(manifests, mode: 0o700)
        let deployer = ManifestDeployer(
            client: supervisor, directory: manifests, disabled: configuration.disabledComponents,
            events: EventRecorder(client: supervisor, component: "deploy", logger: logger.with(component: "deploy")),
            logger: logger.with(component: "deploy"))
        services.append(.init(service: ReconcileLoopService(
            what: "manifests", events: deployer.events, interval: .seconds(5),
            prepare: { try await deployer.ensureDefinition() }, pass: { try await deployer.sync() }, logger: logger.with(component: "deploy")),
            serviceName: "manifests"))
        let upgrades = UpgradePlanController(
            client: supervisor, fetcher: CurlReleaseFetcher(),
            events: EventRecorder(client: supervisor, component: "system-upgrade-controller", logger: logger.with(component: "upgrade")),
            logger: logger.with(component: "upgrade"))
        services.append(.init(service: ReconcileLoopService(
            what: "plans", events: upgrades.events, interval: .seconds(2),
            prepare: { try await upgrades.ensureDefinition() }, pass: { try await upgrades.sync() }, logger: logger.with(component: "upgrade")),
            serviceName: "upgrade-plans"))
        if let restart {
            services.append(.init(service: RestartRequestService(request: restart), successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "restart"))
        }
        services.append(.init(service: ReadinessNotificationService(
            notifier: notifier, status: "API server ready on port \(port)",
            isReady: { (try? await supervisor.send(KubeRequest(method: .get, path: "/readyz"))) != nil },
            logger: logger), serviceName: "readiness-notification"))
        // A service that returns stops the whole group: with the scheduler and the controllers
        // both disabled the control plane has nothing to run, so it is left out.
        if !configuration.disableScheduler || !configuration.disableControllerManager {
            services.append(.init(service: ControlPlaneService(controlPlane: controlPlane), serviceName: "control-plane"))
        }
        if let snapshots = SnapshotScheduler.forServer(configuration: configuration, datastore: datastore.store, logger: logger) {
            services.append(.init(service: snapshots, serviceName: "etcd-snapshots"))
        }
        if !configuration.disableAgent {
            var nodeConfiguration = ContainerNode.Configuration(
                dataDir: configuration.dataDir, nodeName: configuration.nodeName, settings: configuration.node,
                defaultNodeIP: configuration.advertiseAddress, isServer: true)
            if let restart, let binary = NodeUpgradeSettings.runningBinary {
                nodeConfiguration.upgrade = NodeUpgradeSettings(binary: binary, arguments: CommandLine.arguments, restart: restart)
            }
            let node = ContainerNode(configuration: nodeConfiguration, logger: logger)
            let joiner = NodeJoiner(
                server: "https://127.0.0.1:\(port)", token: credentials.nodeToken.description, nodeName: configuration.nodeName,
                servingAddresses: node.configuration.servingAddresses, logger: logger)
            let files = NodeCertificateFiles(directory: node.configuration.agentDirectory)
            services.append(.init(service: ContainerNodeService(node: node, join: { try await joiner.join(storingIn: files) }), serviceName: "node"))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        logger.notice(
            "k3s server listening",
            metadata: [
                "port": "\(port)", "datastore": "\(configuration.datastore)",
                "kubeconfig": "\(configuration.writeKubeconfig)",
            ]
        )
        await onReady(datastore.store, port)
        try await group.run()
    }
}

/// Resumes an interrupted re-encryption once the API server has loaded, and stops a running one
/// on graceful shutdown (before the API server stops).
struct SecretsEncryptionService: Service {
    let controller: SecretsEncryptionController
    let apiServer: KubeAPIServer

    func run() async throws {
        await cancelWhenGracefulShutdown { await apiServer.waitUntilReady() }
        await controller.resumeInterruptedReencryption()
        try? await gracefulShutdown()
        await controller.shutdown()
    }
}

/// Scrapes the nodes' resource metrics for `metrics.k8s.io`, cancelled on graceful shutdown.
struct MetricsScraperService: Service {
    let scraper: KubeletMetricsScraper

    func run() async throws {
        await cancelWhenGracefulShutdown { await scraper.run() }
    }
}

/// Runs the scheduler and controllers inside the `ServiceGroup`, cancelled on graceful shutdown
/// (before the API server stops).
struct ControlPlaneService: Service {
    let controlPlane: ControlPlane

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await controlPlane.run()
        }
    }
}

/// A start-up failure with a message for the operator.
struct ServerStartError: Error, CustomStringConvertible {
    var description: String
}

/// Runs the API server inside a `ServiceGroup`: serves until graceful shutdown, then drains.
struct APIServerService: Service {
    let server: KubeAPIServer

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.shutdown()
        }
    }
}
