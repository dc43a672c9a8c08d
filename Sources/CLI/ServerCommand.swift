import ArgumentParser
import Cluster
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `k3s server`: run the control plane.
///
/// Flags carry K3s's names and defaults. Every flag may also be set in the config file
/// (`--config`, default /etc/rancher/k3s/config.yaml) by its name without dashes; the command
/// line wins for single values, and list flags such as `--tls-san` collect both.
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the control plane."
    )

    @Option(name: [.customShort("c"), .customLong("config")], help: "Config file to read (default /etc/rancher/k3s/config.yaml; env K3S_CONFIG_FILE).")
    var config: String?

    @Option(name: [.customShort("d"), .customLong("data-dir")], help: "Folder to hold state (default /var/lib/rancher/k3s).")
    var dataDir: String?

    @Option(name: .customLong("https-listen-port"), help: "HTTPS port of the API server (default 6443).")
    var httpsListenPort: String?

    @Option(name: .customLong("bind-address"), help: "Address the API server listens on (default 0.0.0.0).")
    var bindAddress: String?

    @Option(name: .customLong("advertise-address"), help: "Address other cluster members reach the API server at (default the host's first non-loopback IPv4).")
    var advertiseAddress: String?

    @Option(name: .customLong("tls-san"), help: "Extra host name or IP for the serving certificate (repeatable).")
    var tlsSAN: [String] = []

    @Option(name: [.customShort("o"), .customLong("write-kubeconfig")], help: "Where to write the admin kubeconfig (default /etc/rancher/k3s/k3s.yaml; env K3S_KUBECONFIG_OUTPUT).")
    var writeKubeconfig: String?

    @Option(name: .customLong("write-kubeconfig-mode"), help: "Octal permissions of the kubeconfig, such as 0644 (default 0600; env K3S_KUBECONFIG_MODE).")
    var writeKubeconfigMode: String?

    @Option(name: [.customShort("t"), .customLong("token")], help: "Shared secret for joining nodes (env K3S_TOKEN; default: generated).")
    var token: String?

    @Option(name: .customLong("token-file"), help: "File holding the token (env K3S_TOKEN_FILE).")
    var tokenFile: String?

    @Option(name: .customLong("token-auth-file"), help: "Static bearer-token file for the API server.")
    var tokenAuthFile: String?

    @Option(name: .customLong("datastore-endpoint"), help: "Where cluster state lives: a SQLite path (default DATA_DIR/server/db/state.db) or memory:// (env K3S_DATASTORE_ENDPOINT).")
    var datastoreEndpoint: String?

    @Option(name: .customLong("service-cidr"), help: "Network for service cluster IPs (default 10.43.0.0/16).")
    var serviceCIDR: String?

    @Option(name: .customLong("service-node-port-range"), help: "Port range for NodePort services (default 30000-32767).")
    var serviceNodePortRange: String?

    @Option(name: .customLong("cluster-cidr"), help: "Network for pod IPs (default 10.42.0.0/16).")
    var clusterCIDR: String?

    @Option(name: .customLong("cluster-dns"), help: "Cluster DNS service IP handed to every node's kubelet (default the tenth address of the service CIDR: 10.43.0.10).")
    var clusterDNS: String?

    @Option(name: .customLong("cluster-domain"), help: "Cluster DNS domain (default cluster.local).")
    var clusterDomain: String?

    @Option(name: .customLong("disable"), help: "Do not deploy a packaged component (coredns, servicelb, traefik, local-storage, metrics-server); repeatable or comma-separated.")
    var disable: [String] = []

    @Flag(name: .customLong("disable-network-policy"), help: "Do not enforce NetworkPolicies on the nodes.")
    var disableNetworkPolicy = false

    @Flag(name: .customLong("disable-agent"), help: "Do not run a node (containerd and the kubelet) inside the server.")
    var disableAgent = false

    @Flag(name: .customLong("disable-scheduler"), help: "Do not run the scheduler.")
    var disableScheduler = false

    @Flag(name: .customLong("disable-controller-manager"), help: "Do not run the controller manager.")
    var disableControllerManager = false

    @Option(name: .customLong("node-name"), help: "This node's name (default the host name; env K3S_NODE_NAME).")
    var nodeName: String?

    @OptionGroup var node: NodeFlags

    @Flag(name: .customLong("secrets-encryption"), help: "Encrypt Secrets at rest (AES-CBC; the key is generated on first start).")
    var secretsEncryption = false

    @OptionGroup var snapshots: SnapshotFlags

    @OptionGroup var logging: LogOptions

    /// The settings given on the command line, by flag name.
    var commandLineOptions: ServerOptions {
        var options = ServerOptions()
        options.set("config", config)
        options.set("data-dir", dataDir)
        options.set("https-listen-port", httpsListenPort)
        options.set("bind-address", bindAddress)
        options.set("advertise-address", advertiseAddress)
        options.append("tls-san", tlsSAN)
        options.set("write-kubeconfig", writeKubeconfig)
        options.set("write-kubeconfig-mode", writeKubeconfigMode)
        options.set("token", token)
        options.set("token-file", tokenFile)
        options.set("token-auth-file", tokenAuthFile)
        options.set("datastore-endpoint", datastoreEndpoint)
        options.set("service-cidr", serviceCIDR)
        options.set("service-node-port-range", serviceNodePortRange)
        options.set("cluster-cidr", clusterCIDR)
        options.set("cluster-dns", clusterDNS)
        options.set("cluster-domain", clusterDomain)
        options.append("disable", disable)
        options.set("disable-network-policy", flag: disableNetworkPolicy)
        options.set("disable-agent", flag: disableAgent)
        options.set("disable-scheduler", flag: disableScheduler)
        options.set("disable-controller-manager", flag: disableControllerManager)
        options.set("node-name", nodeName)
        node.addTo(&options)
        snapshots.addTo(&options)
        options.set("secrets-encryption", flag: secretsEncryption)
        options.set("debug", flag: logging.debugEnabled)
        return options
    }

    func run() async throws {
        var warnings: [String] = []
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(
                commandLine: commandLineOptions,
                environment: Self.environment(),
                warn: { warnings.append($0) }
            )
        } catch {
            throw ValidationError(error.description)
        }
        let logger = try logging.makeLogger(label: "k3s.server", debug: configuration.debug)
        for warning in warnings { logger.warning("\(warning)") }
        let restart = RestartRequest()
        do {
            try await Server(
                configuration: configuration, version: K3s.versionInfo, notifier: SystemdNotifier.fromEnvironment(), restart: restart,
                logger: logger
            ).run()
        } catch {
            logger.critical("server failed: \(error)")
            throw ExitCode.failure
        }
        if let binary = restart.binary {
            logger.notice("restarting into \(binary)")
            execute(binary, CommandLine.arguments)
            throw ExitCode.failure
        }
    }

    /// The environment variables K3s reads for server settings.
    static func environment() -> [String: String] {
        var result: [String: String] = [:]
        for name in ServerOptions.environmentVariables.keys {
            if let value = getenv(name) { result[name] = String(cString: value) }
        }
        return result
    }
}
