import APIServer
import KubeAPI

/// Everything `k3s server` is told on its command line or in its config file.
///
/// Defaults match K3s so that users' habits carry over. Build one from raw settings with
/// ``init(options:host:)`` (which validates) or from code with ``init(dataDir:datastore:keyPrefix:host:)``.
public struct ServerConfiguration: Sendable, Hashable {
    /// The default data directory, as in K3s.
    public static let defaultDataDir = "/var/lib/rancher/k3s"
    /// The default config file, as in K3s.
    public static let defaultConfigFile = "/etc/rancher/k3s/config.yaml"
    /// The default kubeconfig written for the admin, as in K3s.
    public static let defaultKubeconfigPath = "/etc/rancher/k3s/k3s.yaml"
    /// The default service network.
    public static let defaultServiceCIDR = ServiceIPRange.default.prefix
    /// The default pod network.
    public static let defaultClusterCIDR = try! IPPrefix(parsing: "10.42.0.0/16")

    /// Where the server keeps its state (`--data-dir`).
    public var dataDir: String
    /// Where cluster state is stored (`--datastore-endpoint`).
    public var datastore: DatastoreEndpoint
    /// Every key the server stores begins with this prefix.
    public var keyPrefix: String

    /// The HTTPS port of the API server (`--https-listen-port`, default 6443).
    public var httpsListenPort: Int
    /// The address the API server listens on (`--bind-address`, default `0.0.0.0`).
    public var bindAddress: IPAddress
    /// The address other members of the cluster reach the API server at
    /// (`--advertise-address`; default the host's first non-loopback IPv4, else 127.0.0.1).
    public var advertiseAddress: IPAddress
    /// Extra host names or IPs the serving certificate is valid for (`--tls-san`, repeatable).
    public var tlsSANs: [String]
    /// Where the admin kubeconfig is written (`--write-kubeconfig` / `-o`).
    public var writeKubeconfig: String
    /// The permission bits of the kubeconfig (`--write-kubeconfig-mode`, default 0600).
    public var writeKubeconfigMode: UInt32
    /// The shared secret nodes join with (`--token`, `--token-file` or `K3S_TOKEN`); `nil`
    /// means a random one is generated on first start and kept.
    public var token: String?
    /// A static token file for bearer authentication (`--token-auth-file`), passed through to
    /// the API server's authenticator.
    public var tokenAuthFile: String?
    /// The networks service cluster IPs come from (`--service-cidr`, default 10.43.0.0/16;
    /// comma-separated for dual stack, primary first).
    public var serviceCIDRs: [IPPrefix]
    /// The ports NodePort services take theirs from (`--service-node-port-range`, default
    /// 30000-32767).
    public var serviceNodePortRange: ClosedRange<Int>
    /// The networks pod IPs come from (`--cluster-cidr`, default 10.42.0.0/16).
    public var clusterCIDRs: [IPPrefix]
    /// The cluster DNS service IPs (`--cluster-dns`, default the tenth address of each
    /// service network: 10.43.0.10). Handed to every joining node for its kubelet
    /// (`KubeletConfiguration.clusterDNS`, the `nameserver` of pods' `resolv.conf`).
    public var clusterDNS: [IPAddress]
    /// The cluster's DNS domain (`--cluster-domain`, default `cluster.local`); handed to joining
    /// nodes with ``clusterDNS``.
    public var clusterDomain: String
    /// Packaged components not to run (`--disable`, repeatable or comma-separated, K3s's names:
    /// `coredns`, `servicelb`, `traefik`, `local-storage`, `metrics-server`). Handed to joining
    /// nodes, which leave out their part of a disabled component (the cluster DNS server, the
    /// ingress proxy). `--disable-network-policy` adds `network-policy`: no node enforces
    /// NetworkPolicies.
    public var disabledComponents: Set<String>
    /// `--disable-agent`: run no node inside the server (by default `k3s server` is also a node:
    /// containerd, the kubelet and its API, as `k3s agent` runs them).
    public var disableAgent: Bool
    /// The server's own node: `--node-ip`, `--node-label`, `--kubelet-arg` and the other node flags.
    public var node: NodeSettings
    /// Run without the scheduler (`--disable-scheduler`).
    public var disableScheduler: Bool
    /// Run without the controller manager (`--disable-controller-manager`).
    public var disableControllerManager: Bool
    /// This node's name (`--node-name`, default the host name).
    public var nodeName: String
    /// Log at debug level (`--debug`).
    public var debug: Bool
    /// Scheduled datastore snapshots (`--etcd-snapshot-*`, `--etcd-disable-snapshots`).
    public var snapshots: SnapshotSettings
    /// `--secrets-encryption`: encrypt Secrets at rest (AES-CBC, a key generated on first start
    /// into ``encryptionConfigPath``).
    public var secretsEncryption: Bool
    /// The host name, used as a serving-certificate SAN.
    public var hostName: String

    /// Creates a configuration with K3s's defaults; the datastore defaults to SQLite under
    /// `dataDir`, the advertise address and node name to the host's.
    public init(
        dataDir: String = ServerConfiguration.defaultDataDir,
        datastore: DatastoreEndpoint? = nil,
        keyPrefix: String = "/registry/",
        host: HostIdentity = .current()
    ) {
        self.dataDir = dataDir
        self.datastore = datastore ?? .sqlite(path: DatastoreEndpoint.defaultSQLitePath(dataDir: dataDir))
        self.keyPrefix = keyPrefix
        self.httpsListenPort = 6443
        self.bindAddress = .ipv4Unspecified
        self.advertiseAddress = host.defaultAdvertiseAddress
        self.tlsSANs = []
        self.writeKubeconfig = ServerConfiguration.defaultKubeconfigPath
        self.writeKubeconfigMode = 0o600
        self.token = nil
        self.tokenAuthFile = nil
        self.serviceCIDRs = [ServerConfiguration.defaultServiceCIDR]
        self.serviceNodePortRange = 30000...32767
        self.clusterCIDRs = [ServerConfiguration.defaultClusterCIDR]
        self.clusterDNS = [ServiceIPRange.default.dnsServiceIP!]
        self.clusterDomain = "cluster.local"
        self.disabledComponents = []
        self.disableAgent = false
        self.node = NodeSettings()
        self.disableScheduler = false
        self.disableControllerManager = false
        self.nodeName = host.hostName
        self.debug = false
        self.snapshots = SnapshotSettings(dataDir: dataDir)
        self.secretsEncryption = false
        self.hostName = host.hostName
    }

    /// The primary service network with its reserved addresses.
    public var serviceIPRange: ServiceIPRange {
        // Validated when the configuration was built; a hand-made tiny network falls back to
        // the default rather than trapping.
        serviceCIDRs.first.flatMap { try? ServiceIPRange($0) } ?? .default
    }

    /// `DATA_DIR/server`.
    public var serverDirectory: String { dataDir.trimmingTrailingSlash() + "/server" }
    /// `DATA_DIR/server/tls`: the certificates and keys.
    public var tlsDirectory: String { serverDirectory + "/tls" }
    /// `DATA_DIR/server/node-token`.
    public var nodeTokenPath: String { serverDirectory + "/node-token" }
    /// `DATA_DIR/server/token`.
    public var tokenPath: String { serverDirectory + "/token" }
    /// `DATA_DIR/server/cred/encryption-config.json`: the API server's `EncryptionConfiguration`.
    public var encryptionConfigPath: String { serverDirectory + "/cred/encryption-config.json" }
    /// `DATA_DIR/server/cred/encryption-state.json`: the key-rotation stage and the hash of the
    /// configuration it belongs to.
    public var encryptionStatePath: String { serverDirectory + "/cred/encryption-state.json" }
}

extension String {
    func trimmingTrailingSlash() -> String {
        var s = Substring(self)
        while s.count > 1, s.last == "/" { s.removeLast() }
        return String(s)
    }
}
