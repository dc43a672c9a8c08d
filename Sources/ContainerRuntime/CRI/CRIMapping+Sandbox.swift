import Kubelet

// Conversions between the kubelet's CRI values and the generated CRI v1 messages: sandboxes and
// the Linux settings they share with containers.

extension Runtime_V1_PodSandboxMetadata {
    init(_ metadata: CRI.PodSandboxMetadata) {
        self.init()
        name = metadata.name
        namespace = metadata.namespace
        uid = metadata.uid
        attempt = UInt32(clamping: metadata.attempt)
    }

    var cri: CRI.PodSandboxMetadata {
        CRI.PodSandboxMetadata(name: name, namespace: namespace, uid: uid, attempt: Int(attempt))
    }
}

extension Runtime_V1_NamespaceMode {
    init(_ mode: CRI.NamespaceMode) {
        switch mode {
        case .pod: self = .pod
        case .container: self = .container
        case .node: self = .node
        }
    }
}

extension Runtime_V1_NamespaceOption {
    init(_ options: CRI.NamespaceOptions) {
        self.init()
        network = Runtime_V1_NamespaceMode(options.network)
        pid = Runtime_V1_NamespaceMode(options.pid)
        ipc = Runtime_V1_NamespaceMode(options.ipc)
    }
}

extension Runtime_V1_Int64Value {
    /// The wrapper for an optional ID (`nil` leaves the field unset).
    static func wrapping(_ value: Int64?) -> Runtime_V1_Int64Value? {
        value.map { value in
            var wrapper = Runtime_V1_Int64Value()
            wrapper.value = value
            return wrapper
        }
    }
}

extension Runtime_V1_DNSConfig {
    init(_ dns: CRI.DNSConfig) {
        self.init()
        servers = dns.servers
        searches = dns.searches
        options = dns.options
    }
}

extension Runtime_V1_PortMapping {
    init(_ mapping: CRI.PortMapping) {
        self.init()
        switch mapping.protocol {
        case .tcp: self.protocol = .tcp
        case .udp: self.protocol = .udp
        case .sctp: self.protocol = .sctp
        }
        containerPort = Int32(clamping: mapping.containerPort)
        hostPort = Int32(clamping: mapping.hostPort)
        hostIp = mapping.hostIP
    }
}

extension Runtime_V1_LinuxPodSandboxConfig {
    init(_ linux: CRI.LinuxSandboxConfig) {
        self.init()
        cgroupParent = linux.cgroupParent
        sysctls = linux.sysctls
        var security = Runtime_V1_LinuxSandboxSecurityContext()
        security.namespaceOptions = Runtime_V1_NamespaceOption(linux.namespaces)
        security.privileged = linux.privileged
        security.supplementalGroups = linux.supplementalGroups
        if let user = Runtime_V1_Int64Value.wrapping(linux.runAsUser) { security.runAsUser = user }
        if let group = Runtime_V1_Int64Value.wrapping(linux.runAsGroup) { security.runAsGroup = group }
        securityContext = security
    }
}

extension Runtime_V1_PodSandboxConfig {
    init(_ config: CRI.PodSandboxConfig) {
        self.init()
        metadata = Runtime_V1_PodSandboxMetadata(config.metadata)
        // A host-network sandbox shares the node's UTS namespace, so it has the node's name; runc
        // refuses to set a hostname without a UTS namespace of its own.
        let sharesNodeNetwork = config.hostNetwork || config.linux.namespaces.network == .node
        hostname = sharesNodeNetwork ? "" : config.hostname
        logDirectory = config.logDirectory
        if let dns = config.dnsConfig { dnsConfig = Runtime_V1_DNSConfig(dns) }
        portMappings = config.portMappings.map(Runtime_V1_PortMapping.init)
        labels = config.labels
        annotations = config.annotations
        var linux = Runtime_V1_LinuxPodSandboxConfig(config.linux)
        // The sandbox's network namespace follows `hostNetwork` (the initializer keeps the two
        // in step; a caller may have changed only one of them since).
        if sharesNodeNetwork { linux.securityContext.namespaceOptions.network = .node }
        self.linux = linux
    }
}

extension Runtime_V1_PodSandboxState {
    var cri: CRI.PodSandboxState { self == .sandboxReady ? .ready : .notReady }

    init(_ state: CRI.PodSandboxState) {
        self = state == .ready ? .sandboxReady : .sandboxNotready
    }
}

extension Runtime_V1_PodSandbox {
    var cri: CRI.PodSandbox {
        CRI.PodSandbox(id: id, metadata: metadata.cri, state: state.cri, createdAt: createdAt, labels: labels, annotations: annotations)
    }
}

extension Runtime_V1_PodSandboxStatus {
    var cri: CRI.PodSandboxStatus {
        let sandbox = CRI.PodSandbox(
            id: id, metadata: metadata.cri, state: state.cri, createdAt: createdAt, labels: labels, annotations: annotations)
        // A host-network sandbox has no IP of its own: CRI reports an empty string.
        let ip = network.ip.isEmpty ? nil : network.ip
        return CRI.PodSandboxStatus(sandbox: sandbox, ip: ip, additionalIPs: network.additionalIps.map(\.ip).filter { !$0.isEmpty })
    }
}

extension Runtime_V1_PodSandboxFilter {
    init(_ filter: CRI.PodSandboxFilter) {
        self.init()
        if let id = filter.id { self.id = id }
        if let state = filter.state {
            var value = Runtime_V1_PodSandboxStateValue()
            value.state = Runtime_V1_PodSandboxState(state)
            self.state = value
        }
        labelSelector = filter.labels
    }
}

extension Runtime_V1_StatusResponse {
    var cri: CRI.RuntimeStatus {
        CRI.RuntimeStatus(conditions: status.conditions.map {
            CRI.RuntimeCondition(type: $0.type, status: $0.status, reason: $0.reason, message: $0.message)
        })
    }
}

extension Runtime_V1_VersionResponse {
    var cri: CRI.Version {
        CRI.Version(version: version, runtimeName: runtimeName, runtimeVersion: runtimeVersion, runtimeAPIVersion: runtimeApiVersion)
    }
}
