import KubeAPI

/// Settings of one kubelet (hollow or real). A real node sets `rootDirectory`
/// (`KubeletConfiguration.defaultRootDirectory`), `podLogsDirectory`, `resolvConf` and
/// `serviceEnvironment`.
public struct KubeletConfiguration: Sendable {
    /// The node's name (also its hostname label and the lease name).
    public var nodeName: String
    /// The node's `InternalIP` address (also pods' `hostIP`).
    public var nodeIP: String
    /// The node's `Hostname` address; defaults to the node name.
    public var hostname: String
    /// `kubernetes.io/arch` and `nodeInfo.architecture`.
    public var architecture: String
    /// `nodeInfo.osImage`.
    public var osImage: String
    /// `nodeInfo.kernelVersion`.
    public var kernelVersion: String
    /// `nodeInfo.kubeletVersion`; matches the API server's version.
    public var kubeletVersion: String
    /// `status.capacity`; `pods` defaults to 110.
    public var capacity: [String: Quantity]
    /// `status.allocatable`; defaults to the capacity.
    public var allocatable: [String: Quantity]?
    /// Labels added to the standard ones at registration.
    public var labels: [String: String]
    /// Taints the node registers with.
    public var taints: [CoreV1.Taint]
    /// A pod CIDR to register with (`spec.podCIDR`), for clusters without a node IPAM controller.
    /// When `nil` the kubelet waits for the controller to set one.
    public var podCIDR: String?
    /// When true (default), pods with their own network wait until the node has a pod CIDR and the
    /// node is not Ready before; when false such pods start without a pod IP.
    public var waitForPodCIDR: Bool
    /// The kubelet port shown in `status.daemonEndpoints`.
    public var kubeletPort: Int
    /// `leaseDurationSeconds` of the node lease (upstream: 40).
    public var leaseDurationSeconds: Int
    /// How often the node lease is renewed (upstream: 10 s).
    public var leaseRenewInterval: Duration
    /// How often node conditions are checked (upstream: 10 s).
    public var nodeStatusUpdateInterval: Duration
    /// How often node status is reported even when nothing changed (upstream: 5 min).
    public var nodeStatusReportInterval: Duration
    /// When true, the first lease renewal and the first periodic node status report come at a
    /// random point of their interval, so that many nodes started together (a hollow pool) spread
    /// their heartbeats instead of sending them in bursts.
    public var heartbeatJitter: Bool
    /// Crash-loop back-off between container restarts.
    public var restartBackoff: RestartBackoff
    /// Back-off between failed image pulls (`ImagePullBackOff`).
    public var imagePullBackoff: RestartBackoff
    /// The cluster DNS service addresses (IPv4 or IPv6, textual form) written as `nameserver`
    /// into the `resolv.conf` of pods with `dnsPolicy: ClusterFirst`; the server hands them to
    /// joining nodes (`k3s server --cluster-dns`). Empty means no cluster DNS.
    public var clusterDNS: [String]
    /// The cluster DNS domain (`cluster.local`), the base of pods' DNS search paths.
    public var clusterDomain: String
    /// The kubelet's root directory (`/var/lib/kubelet` on a real node): pod volumes go under
    /// `ROOT/pods/UID/volumes`, with the pod's `/etc/hosts` and termination-message files.
    /// `nil` (hollow nodes) keeps nothing on disk and mounts no volumes.
    public var rootDirectory: String? = nil
    /// The root of pod log directories (`/var/log/pods` on a real node); `nil` keeps no logs.
    public var podLogsDirectory: String? = nil
    /// The node's resolver file (`/etc/resolv.conf`) for `dnsPolicy: Default` pods and the search
    /// domains of `ClusterFirst` ones; `nil` means none.
    public var resolvConf: String? = nil
    /// The node's hosts file, copied into host-network pods' `/etc/hosts`.
    public var hostsFile = "/etc/hosts"
    /// `cgroupfs` (`/kubepods/burstable/pod<UID>`) or `systemd` (slices) for pod cgroup parents.
    public var cgroupDriver = "cgroupfs"
    /// The cgroup every pod cgroup sits under (`--cgroup-root`, default `/`): with `/k3s` pods
    /// go to `/k3s/kubepods/...`.
    public var cgroupRoot = "/"
    /// How often configMap, secret, downward API and projected volumes of running pods are
    /// refreshed (and service-account tokens renewed when due); upstream syncs every minute.
    public var volumeResyncInterval: Duration = .seconds(60)
    /// Whether containers get the service variables (`KUBERNETES_SERVICE_HOST`, and those of
    /// their namespace's services when `enableServiceLinks`); the kubelet then watches Services.
    /// Real nodes set it; hollow nodes leave it off to spare the API server a watch per node.
    public var serviceEnvironment = false
    /// A real node's machine, reservations, eviction thresholds and garbage collection; the
    /// default (no host) is a hollow node's.
    public var nodeResources = NodeResourceSettings()

    /// Creates a configuration with upstream defaults and a hollow node's capacity
    /// (4 CPUs, 16 GiB memory, 100 GiB ephemeral storage, 110 pods).
    public init(
        nodeName: String, nodeIP: String = "10.0.0.1", hostname: String? = nil, architecture: String = "amd64",
        osImage: String = "K3s Swift hollow node", kernelVersion: String = "6.8.0-hollow",
        kubeletVersion: String = "v1.36.2+k3s-swift",
        capacity: [String: Quantity] = [
            "cpu": Quantity("4"), "memory": Quantity("16Gi"), "pods": Quantity("110"), "ephemeral-storage": Quantity("100Gi"),
        ],
        allocatable: [String: Quantity]? = nil, labels: [String: String] = [:], taints: [CoreV1.Taint] = [],
        podCIDR: String? = nil, waitForPodCIDR: Bool = true, kubeletPort: Int = 10250, leaseDurationSeconds: Int = 40,
        leaseRenewInterval: Duration = .seconds(10), nodeStatusUpdateInterval: Duration = .seconds(10),
        nodeStatusReportInterval: Duration = .seconds(300), heartbeatJitter: Bool = false, restartBackoff: RestartBackoff = RestartBackoff(),
        imagePullBackoff: RestartBackoff = RestartBackoff(), clusterDNS: [String] = [], clusterDomain: String = "cluster.local"
    ) {
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.hostname = hostname ?? nodeName
        self.architecture = architecture
        self.osImage = osImage
        self.kernelVersion = kernelVersion
        self.kubeletVersion = kubeletVersion
        self.capacity = capacity
        self.allocatable = allocatable
        self.labels = labels
        self.taints = taints
        self.podCIDR = podCIDR
        self.waitForPodCIDR = waitForPodCIDR
        self.kubeletPort = kubeletPort
        self.leaseDurationSeconds = leaseDurationSeconds
        self.leaseRenewInterval = leaseRenewInterval
        self.nodeStatusUpdateInterval = nodeStatusUpdateInterval
        self.nodeStatusReportInterval = nodeStatusReportInterval
        self.heartbeatJitter = heartbeatJitter
        self.restartBackoff = restartBackoff
        self.imagePullBackoff = imagePullBackoff
        self.clusterDNS = clusterDNS
        self.clusterDomain = clusterDomain
    }

    /// The usual kubelet root, `/var/lib/kubelet`.
    public static let defaultRootDirectory = "/var/lib/kubelet"
    /// The usual pod log root, `/var/log/pods`.
    public static let defaultPodLogsDirectory = "/var/log/pods"
}
