import KubeAPI
import KubeClient
import Kubelet
import Logging
import ServiceLifecycle

/// The `k3s agent` process: joins the cluster with the node token and runs the node's kubelet.
///
/// With `hollowNodes` > 0 it runs that many hollow kubelets (`<node-name>-<i>`, a fake
/// runtime, no containers) in this one process, each joined as its own node
/// (`system:node:<node-name>-<i>`) and sharing one pod watch.
public struct Agent: Sendable {
    /// What the agent was told to do.
    public struct Configuration: Sendable {
        /// The server URL (`https://10.0.0.1:6443`).
        public var server: String
        /// The join token (`K10<ca hash>::server:<secret>`, a bootstrap token, or a bare secret).
        public var token: String
        /// This node's name (the prefix of hollow node names).
        public var nodeName: String
        /// How many hollow nodes to run; 0 runs the real kubelet.
        public var hollowNodes: Int
        /// Capacity and other settings hollow nodes register with.
        public var nodeTemplate: KubeletConfiguration?
        /// Where each node's kubeconfig is written (`DATA_DIR/agent/<node>.kubeconfig`); `nil` writes none.
        public var dataDir: String?
        /// The real node's settings (ignored for hollow nodes).
        public var node: NodeSettings

        /// Creates a configuration.
        public init(
            server: String, token: String, nodeName: String, hollowNodes: Int = 0, nodeTemplate: KubeletConfiguration? = nil,
            dataDir: String? = nil, node: NodeSettings = NodeSettings()
        ) {
            self.server = server
            self.token = token
            self.nodeName = nodeName
            self.hollowNodes = hollowNodes
            self.nodeTemplate = nodeTemplate
            self.dataDir = dataDir
            self.node = node
        }
    }

    /// What the agent was told to do.
    public let configuration: Configuration
    /// Told `READY=1` once the node (every hollow node) has joined and a real node is Ready.
    public let notifier: SystemdNotifier?
    /// Set when the node asks to restart into an upgraded binary; `nil` never upgrades.
    public let restart: RestartRequest?
    let logger: Logger

    /// Creates an agent.
    public init(configuration: Configuration, notifier: SystemdNotifier? = nil, restart: RestartRequest? = nil, logger: Logger) {
        self.configuration = configuration
        self.notifier = notifier
        self.restart = restart
        self.logger = logger
    }

    /// Joins, then runs the nodes until SIGTERM/SIGINT.
    ///
    /// - Throws: ``NodeJoinFailure`` when the server refuses the token or its CA does not
    ///   match the token's hash; ``AgentError`` for settings it cannot run.
    public func run() async throws {
        guard configuration.hollowNodes > 0 else {
            try await runContainerNode()
            return
        }
        let names = (0..<configuration.hollowNodes).map { "\(configuration.nodeName)-\($0)" }
        // Join every node (each gets its own certificate), a few at a time.
        let credentials = try await withThrowingTaskGroup(of: NodeCredentials.self) { group in
            var result: [NodeCredentials] = []
            var next = 0
            func start() {
                let name = names[next]
                next += 1
                group.addTask {
                    try await NodeJoiner(server: configuration.server, token: configuration.token, nodeName: name, logger: logger).join()
                }
            }
            while next < names.count && next < 16 { start() }
            while let joined = try await group.next() {
                result.append(joined)
                if next < names.count { start() }
            }
            return result
        }
        if let dataDir = configuration.dataDir {
            let directory = dataDir.trimmingTrailingSlash() + "/agent"
            for credential in credentials {
                try credential.kubeconfig.write(to: "\(directory)/\(credential.nodeName).kubeconfig", mode: 0o600)
            }
        }
        var clients: [String: KubeClient] = [:]
        var transports: [HTTPSTransport] = []
        for credential in credentials {
            let transport = try HTTPSTransport(configuration: try credential.transportConfiguration(), logger: logger)
            transports.append(transport)
            clients[credential.nodeName] = KubeClient(transport: transport, userAgent: "k3s-agent/\(credential.nodeName)")
        }
        let byName = clients
        let template = Self.kubeletTemplate(configuration.nodeTemplate, nodeName: configuration.nodeName, joined: credentials[0])
        logger.notice("joined", metadata: [
            "server": "\(configuration.server)", "nodes": "\(names.count)",
            "cluster-dns": "\(template.clusterDNS.joined(separator: ","))", "cluster-domain": "\(template.clusterDomain)",
        ])

        let pool = HollowNodePool(
            client: byName[names[0]]!,
            configuration: .init(
                namePrefix: configuration.nodeName, count: names.count, template: template,
                podCIDR: { _ in nil }, clientFor: { byName[$0] }),
            logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: HollowNodeService(pool: pool), serviceName: "hollow-nodes"),
                    .init(service: ReadinessNotificationService(
                        notifier: notifier, status: "\(names.count) hollow nodes joined", isReady: { true }, logger: logger),
                        serviceName: "readiness-notification"),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        for transport in transports { await transport.shutdown() }
    }
}

extension Agent {
    /// Joins as one real node and runs it (containerd, the kubelet and its API) until
    /// SIGTERM/SIGINT; the containers keep running after the agent stops.
    func runContainerNode() async throws {
        let dataDir = configuration.dataDir ?? "/var/lib/rancher/k3s"
        var nodeConfiguration = ContainerNode.Configuration(
            dataDir: dataDir, nodeName: configuration.nodeName, settings: configuration.node,
            defaultNodeIP: HostIdentity.current().defaultAdvertiseAddress, isServer: false)
        if let restart, let binary = NodeUpgradeSettings.runningBinary {
            nodeConfiguration.upgrade = NodeUpgradeSettings(binary: binary, arguments: CommandLine.arguments, restart: restart)
        }
        let node = ContainerNode(configuration: nodeConfiguration, logger: logger)
        let credentials = try await NodeJoiner(
            server: configuration.server, token: configuration.token, nodeName: configuration.nodeName,
            servingAddresses: node.configuration.servingAddresses, logger: logger
        ).join(storingIn: NodeCertificateFiles(directory: node.configuration.agentDirectory))
        try credentials.kubeconfig.write(to: "\(dataDir.trimmingTrailingSlash())/agent/kubelet.kubeconfig", mode: 0o600)
        let transport = try HTTPSTransport(configuration: try credentials.transportConfiguration(), logger: logger)
        let nodes = KubeClient(transport: transport, userAgent: "k3s-agent/\(configuration.nodeName)").resource(CoreV1.Node.self)
        let nodeName = configuration.nodeName
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: ContainerNodeService(node: node, join: { credentials }), serviceName: "node"),
                    .init(
                        service: RestartRequestService(request: restart ?? RestartRequest()), successTerminationBehavior: .gracefullyShutdownGroup,
                        serviceName: "restart"),
                    .init(service: ReadinessNotificationService(
                        notifier: notifier, status: "node \(nodeName) Ready",
                        isReady: {
                            (try? await nodes.get(nodeName))?.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
                        }, logger: logger),
                        serviceName: "readiness-notification"),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
    }

    /// The kubelet settings of the agent's nodes: `template` (or the defaults) named `nodeName`,
    /// with the cluster DNS addresses and domain the server handed out when it joined them
    /// (`k3s server --cluster-dns`, `--cluster-domain`); the template's own values stay where
    /// the server handed none.
    public static func kubeletTemplate(_ template: KubeletConfiguration?, nodeName: String, joined: NodeCredentials) -> KubeletConfiguration {
        var result = template ?? KubeletConfiguration(nodeName: nodeName)
        result.nodeName = nodeName
        if !joined.clusterDNS.isEmpty { result.clusterDNS = joined.clusterDNS }
        if let domain = joined.clusterDomain { result.clusterDomain = domain }
        return result
    }

    /// The token in `file` without surrounding white space, or `nil` when it cannot be read.
    public static func readToken(file: String) -> String? {
        guard let text = try? FileSystem.readTextFile(file) else { return nil }
        let trimmed = text.trimmingSpaces()
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// Runs a hollow node pool inside a `ServiceGroup`, cancelled on graceful shutdown.
struct HollowNodeService: Service {
    let pool: HollowNodePool

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await pool.run()
        }
    }
}

/// An agent setting that cannot run.
public struct AgentError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public var description: String
}
