extension CRI {
    /// DNS settings written into a sandbox's `resolv.conf` (CRI `DNSConfig`).
    public struct DNSConfig: Sendable, Hashable {
        /// Name servers, in order.
        public var servers: [String]
        /// Search domains, in order.
        public var searches: [String]
        /// Resolver options (`ndots:5`).
        public var options: [String]

        /// Creates a DNS configuration.
        public init(servers: [String] = [], searches: [String] = [], options: [String] = []) {
            self.servers = servers
            self.searches = searches
            self.options = options
        }
    }

    /// A transport protocol of a port mapping.
    public enum PortProtocol: String, Sendable, Hashable {
        /// TCP.
        case tcp = "TCP"
        /// UDP.
        case udp = "UDP"
        /// SCTP.
        case sctp = "SCTP"
    }

    /// A host port forwarded to a port of the sandbox (CRI `PortMapping`, a pod's `hostPort`).
    public struct PortMapping: Sendable, Hashable {
        /// The protocol.
        public var `protocol`: PortProtocol
        /// The port inside the sandbox.
        public var containerPort: Int
        /// The port on the node.
        public var hostPort: Int
        /// The node address to bind; empty for every address.
        public var hostIP: String

        /// Creates a mapping.
        public init(protocol: PortProtocol = .tcp, containerPort: Int, hostPort: Int, hostIP: String = "") {
            self.protocol = `protocol`
            self.containerPort = containerPort
            self.hostPort = hostPort
            self.hostIP = hostIP
        }
    }

    /// How a mount propagates between host and container (CRI `MountPropagation`).
    public enum MountPropagation: String, Sendable, Hashable {
        /// No propagation (`rprivate`).
        case `private` = "PROPAGATION_PRIVATE"
        /// Host mounts reach the container (`rslave`).
        case hostToContainer = "PROPAGATION_HOST_TO_CONTAINER"
        /// Both ways (`rshared`).
        case bidirectional = "PROPAGATION_BIDIRECTIONAL"
    }

    /// A host path bind-mounted into a container (CRI `Mount`).
    public struct Mount: Sendable, Hashable {
        /// Where it appears in the container.
        public var containerPath: String
        /// The host file or directory.
        public var hostPath: String
        /// Mounted read-only.
        public var readOnly: Bool
        /// How mounts propagate.
        public var propagation: MountPropagation

        /// Creates a mount.
        public init(containerPath: String, hostPath: String, readOnly: Bool = false, propagation: MountPropagation = .private) {
            self.containerPath = containerPath
            self.hostPath = hostPath
            self.readOnly = readOnly
            self.propagation = propagation
        }
    }

    /// Whether a namespace is the pod's own, the container's own, or the node's (CRI `NamespaceMode`).
    public enum NamespaceMode: String, Sendable, Hashable {
        /// Shared by the pod's containers.
        case pod = "POD"
        /// The container's own.
        case container = "CONTAINER"
        /// The node's.
        case node = "NODE"
    }

    /// Which namespaces are shared with the node (CRI `NamespaceOption`).
    public struct NamespaceOptions: Sendable, Hashable {
        /// Network namespace (`node` for `hostNetwork`).
        public var network: NamespaceMode
        /// PID namespace (`node` for `hostPID`, `pod` for `shareProcessNamespace`).
        public var pid: NamespaceMode
        /// IPC namespace (`node` for `hostIPC`).
        public var ipc: NamespaceMode

        /// Creates options; the default gives the pod its own network and IPC namespaces and each
        /// container its own PID namespace, as upstream does.
        public init(network: NamespaceMode = .pod, pid: NamespaceMode = .container, ipc: NamespaceMode = .pod) {
            self.network = network
            self.pid = pid
            self.ipc = ipc
        }
    }

    /// Compute resources of a container or sandbox, as cgroup values (CRI `LinuxContainerResources`).
    public struct LinuxResources: Sendable, Hashable {
        /// CFS period in microseconds (0: runtime default).
        public var cpuPeriod: Int64
        /// CFS quota in microseconds (0: unlimited).
        public var cpuQuota: Int64
        /// CPU shares (relative weight; v2 runtimes convert it to a weight).
        public var cpuShares: Int64
        /// Memory limit in bytes (0: unlimited).
        public var memoryLimitInBytes: Int64
        /// The OOM score adjustment (runtimes that cannot set it, as here without
        /// `CAP_SYS_RESOURCE`, leave it).
        public var oomScoreAdj: Int64

        /// Creates resources.
        public init(cpuPeriod: Int64 = 0, cpuQuota: Int64 = 0, cpuShares: Int64 = 0, memoryLimitInBytes: Int64 = 0, oomScoreAdj: Int64 = 0) {
            self.cpuPeriod = cpuPeriod
            self.cpuQuota = cpuQuota
            self.cpuShares = cpuShares
            self.memoryLimitInBytes = memoryLimitInBytes
            self.oomScoreAdj = oomScoreAdj
        }
    }

    /// The security settings of a container (CRI `LinuxContainerSecurityContext`).
    public struct LinuxSecurityContext: Sendable, Hashable {
        /// Capabilities added to the runtime's default set.
        public var addCapabilities: [String]
        /// Capabilities dropped from it (`ALL` drops every one).
        public var dropCapabilities: [String]
        /// Every capability and device, no confinement.
        public var privileged: Bool
        /// Which namespaces are shared.
        public var namespaces: NamespaceOptions
        /// The UID to run as; `nil` keeps the image's user.
        public var runAsUser: Int64?
        /// The GID to run as; `nil` keeps the image's group.
        public var runAsGroup: Int64?
        /// A user name to run as when the image names one (`runAsUser` wins).
        public var runAsUsername: String
        /// Groups added to the process (`fsGroup` and `supplementalGroups`).
        public var supplementalGroups: [Int64]
        /// The root filesystem is mounted read-only.
        public var readOnlyRootFilesystem: Bool
        /// `no_new_privs`: set unless `allowPrivilegeEscalation` is true.
        public var noNewPrivileges: Bool

        /// Creates a security context; the default is an unprivileged container with the image's user.
        public init(
            addCapabilities: [String] = [], dropCapabilities: [String] = [], privileged: Bool = false,
            namespaces: NamespaceOptions = NamespaceOptions(), runAsUser: Int64? = nil, runAsGroup: Int64? = nil,
            runAsUsername: String = "", supplementalGroups: [Int64] = [], readOnlyRootFilesystem: Bool = false,
            noNewPrivileges: Bool = false
        ) {
            self.addCapabilities = addCapabilities
            self.dropCapabilities = dropCapabilities
            self.privileged = privileged
            self.namespaces = namespaces
            self.runAsUser = runAsUser
            self.runAsGroup = runAsGroup
            self.runAsUsername = runAsUsername
            self.supplementalGroups = supplementalGroups
            self.readOnlyRootFilesystem = readOnlyRootFilesystem
            self.noNewPrivileges = noNewPrivileges
        }
    }

    /// Linux settings of a sandbox (CRI `LinuxPodSandboxConfig`).
    public struct LinuxSandboxConfig: Sendable, Hashable {
        /// The pod's cgroup (`/kubepods/burstable/pod<UID>` with cgroupfs, or a systemd slice).
        public var cgroupParent: String
        /// Namespaces shared with the node.
        public var namespaces: NamespaceOptions
        /// Sandbox-level security (privileged for a privileged pod, run-as for the pause process).
        public var privileged: Bool
        /// Namespaced sysctls to set in the sandbox.
        public var sysctls: [String: String]
        /// Groups given to every process (`fsGroup` and `supplementalGroups`).
        public var supplementalGroups: [Int64]
        /// The UID the sandbox process runs as, when the pod sets one.
        public var runAsUser: Int64?
        /// The GID the sandbox process runs as, when the pod sets one.
        public var runAsGroup: Int64?

        /// Creates settings.
        public init(
            cgroupParent: String = "", namespaces: NamespaceOptions = NamespaceOptions(), privileged: Bool = false,
            sysctls: [String: String] = [:], supplementalGroups: [Int64] = [], runAsUser: Int64? = nil, runAsGroup: Int64? = nil
        ) {
            self.cgroupParent = cgroupParent
            self.namespaces = namespaces
            self.privileged = privileged
            self.sysctls = sysctls
            self.supplementalGroups = supplementalGroups
            self.runAsUser = runAsUser
            self.runAsGroup = runAsGroup
        }
    }
}
