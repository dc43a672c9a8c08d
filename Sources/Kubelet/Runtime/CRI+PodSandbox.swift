extension CRI {
    /// Identifies the pod a sandbox belongs to; `attempt` counts sandboxes made for the same pod.
    public struct PodSandboxMetadata: Sendable, Hashable {
        /// The pod's name.
        public var name: String
        /// The pod's namespace.
        public var namespace: String
        /// The pod's UID.
        public var uid: String
        /// How many sandboxes were created for this pod before this one.
        public var attempt: Int

        /// Creates metadata.
        public init(name: String, namespace: String, uid: String, attempt: Int = 0) {
            self.name = name
            self.namespace = namespace
            self.uid = uid
            self.attempt = attempt
        }
    }

    /// What the kubelet asks for when it creates a pod sandbox.
    public struct PodSandboxConfig: Sendable, Hashable {
        /// The pod this sandbox is for.
        public var metadata: PodSandboxMetadata
        /// The hostname inside the sandbox.
        public var hostname: String
        /// Labels to attach (the kubelet copies the pod's labels and adds its own keys).
        public var labels: [String: String]
        /// Annotations to attach (the kubelet copies the pod's annotations).
        public var annotations: [String: String]
        /// Whether the pod shares the node's network namespace (no pod IP is allocated then).
        public var hostNetwork: Bool
        /// The sandbox's `resolv.conf`; `nil` keeps the node's (CRI leaves it to the runtime).
        public var dnsConfig: DNSConfig?
        /// Host ports forwarded into the sandbox (`hostPort` of the pod's containers).
        public var portMappings: [PortMapping]
        /// The directory container logs go to (`/var/log/pods/NS_NAME_UID`); container log
        /// paths are relative to it. Empty: the runtime keeps no logs.
        public var logDirectory: String
        /// Linux settings: cgroup parent, shared namespaces, sysctls, sandbox security.
        public var linux: LinuxSandboxConfig

        /// Creates a configuration. `hostNetwork` also sets `linux.namespaces.network` to `.node`.
        public init(
            metadata: PodSandboxMetadata, hostname: String = "", labels: [String: String] = [:],
            annotations: [String: String] = [:], hostNetwork: Bool = false, dnsConfig: DNSConfig? = nil,
            portMappings: [PortMapping] = [], logDirectory: String = "", linux: LinuxSandboxConfig = LinuxSandboxConfig()
        ) {
            self.metadata = metadata
            self.hostname = hostname.isEmpty ? metadata.name : hostname
            self.labels = labels
            self.annotations = annotations
            self.hostNetwork = hostNetwork
            self.dnsConfig = dnsConfig
            self.portMappings = portMappings
            self.logDirectory = logDirectory
            self.linux = linux
            if hostNetwork { self.linux.namespaces.network = .node }
        }
    }

    /// Whether a sandbox can host containers.
    public enum PodSandboxState: String, Sendable, Hashable {
        /// Running; containers can be created in it.
        case ready = "SANDBOX_READY"
        /// Stopped (or failed); its network is gone.
        case notReady = "SANDBOX_NOTREADY"
    }

    /// A sandbox as listed by `listPodSandbox`.
    public struct PodSandbox: Sendable, Hashable {
        /// The runtime's identifier.
        public var id: String
        /// The pod it belongs to.
        public var metadata: PodSandboxMetadata
        /// Ready or not.
        public var state: PodSandboxState
        /// Creation time, nanoseconds since the epoch.
        public var createdAt: Int64
        /// Labels given at creation.
        public var labels: [String: String]
        /// Annotations given at creation.
        public var annotations: [String: String]

        /// Creates a listing entry.
        public init(
            id: String, metadata: PodSandboxMetadata, state: PodSandboxState, createdAt: Int64,
            labels: [String: String] = [:], annotations: [String: String] = [:]
        ) {
            self.id = id
            self.metadata = metadata
            self.state = state
            self.createdAt = createdAt
            self.labels = labels
            self.annotations = annotations
        }
    }

    /// Detailed state of one sandbox.
    public struct PodSandboxStatus: Sendable, Hashable {
        /// The sandbox as a listing entry.
        public var sandbox: PodSandbox
        /// The pod IP, absent for host-network sandboxes.
        public var ip: String?
        /// Further pod IPs (dual stack); empty in single stack.
        public var additionalIPs: [String]

        /// Creates a status.
        public init(sandbox: PodSandbox, ip: String? = nil, additionalIPs: [String] = []) {
            self.sandbox = sandbox
            self.ip = ip
            self.additionalIPs = additionalIPs
        }
    }

    /// Narrows `listPodSandbox`; every set field must match.
    public struct PodSandboxFilter: Sendable, Hashable {
        /// Only this sandbox.
        public var id: String?
        /// Only sandboxes in this state.
        public var state: PodSandboxState?
        /// Only sandboxes whose labels include all of these.
        public var labels: [String: String]

        /// Creates a filter; the default matches everything.
        public init(id: String? = nil, state: PodSandboxState? = nil, labels: [String: String] = [:]) {
            self.id = id
            self.state = state
            self.labels = labels
        }
    }
}
