import FoundationEssentials
import Kubelet

// Conversions between the kubelet's CRI values and the generated CRI v1 messages: containers,
// their settings, states, statistics and events.

extension Runtime_V1_ContainerMetadata {
    init(_ metadata: CRI.ContainerMetadata) {
        self.init()
        name = metadata.name
        attempt = UInt32(clamping: metadata.attempt)
    }

    var cri: CRI.ContainerMetadata { CRI.ContainerMetadata(name: name, attempt: Int(attempt)) }
}

extension Runtime_V1_ImageSpec {
    init(_ spec: CRI.ImageSpec) {
        self.init()
        image = spec.image
    }
}

extension Runtime_V1_Mount {
    init(_ mount: CRI.Mount) {
        self.init()
        containerPath = mount.containerPath
        hostPath = mount.hostPath
        readonly = mount.readOnly
        switch mount.propagation {
        case .private: propagation = .propagationPrivate
        case .hostToContainer: propagation = .propagationHostToContainer
        case .bidirectional: propagation = .propagationBidirectional
        }
    }
}

extension Runtime_V1_LinuxContainerResources {
    init(_ resources: CRI.LinuxResources) {
        self.init()
        cpuPeriod = resources.cpuPeriod
        cpuQuota = resources.cpuQuota
        cpuShares = resources.cpuShares
        memoryLimitInBytes = resources.memoryLimitInBytes
        oomScoreAdj = resources.oomScoreAdj
    }
}

extension Runtime_V1_LinuxContainerSecurityContext {
    init(_ security: CRI.LinuxSecurityContext) {
        self.init()
        var capabilities = Runtime_V1_Capability()
        capabilities.addCapabilities = security.addCapabilities
        capabilities.dropCapabilities = security.dropCapabilities
        self.capabilities = capabilities
        privileged = security.privileged
        namespaceOptions = Runtime_V1_NamespaceOption(security.namespaces)
        if let user = Runtime_V1_Int64Value.wrapping(security.runAsUser) { runAsUser = user }
        if let group = Runtime_V1_Int64Value.wrapping(security.runAsGroup) { runAsGroup = group }
        runAsUsername = security.runAsUsername
        supplementalGroups = security.supplementalGroups
        readonlyRootfs = security.readOnlyRootFilesystem
        noNewPrivs = security.noNewPrivileges
    }
}

extension Runtime_V1_ContainerConfig {
    init(_ config: CRI.ContainerConfig) {
        self.init()
        metadata = Runtime_V1_ContainerMetadata(config.metadata)
        image = Runtime_V1_ImageSpec(config.image)
        command = config.command
        args = config.args
        workingDir = config.workingDir
        // `KeyValue.value` is `bytes` in the current proto and `string` in older ones: the wire
        // encoding is the same, and UTF-8 text is valid for both.
        envs = config.environment.map { variable in
            var pair = Runtime_V1_KeyValue()
            pair.key = variable.name
            pair.value = Data(variable.value.utf8)
            return pair
        }
        mounts = config.mounts.map(Runtime_V1_Mount.init)
        labels = config.labels
        annotations = config.annotations
        logPath = config.logPath
        stdin = config.stdin
        stdinOnce = config.stdinOnce
        tty = config.tty
        var linux = Runtime_V1_LinuxContainerConfig()
        linux.resources = Runtime_V1_LinuxContainerResources(config.resources)
        linux.securityContext = Runtime_V1_LinuxContainerSecurityContext(config.security)
        self.linux = linux
    }
}

extension Runtime_V1_ContainerState {
    var cri: CRI.ContainerState {
        switch self {
        case .containerCreated: .created
        case .containerRunning: .running
        case .containerExited: .exited
        default: .unknown
        }
    }

    init(_ state: CRI.ContainerState) {
        switch state {
        case .created: self = .containerCreated
        case .running: self = .containerRunning
        case .exited: self = .containerExited
        case .unknown: self = .containerUnknown
        }
    }
}

extension Runtime_V1_Container {
    var cri: CRI.Container {
        CRI.Container(
            id: id, podSandboxID: podSandboxID, metadata: metadata.cri, image: CRI.ImageSpec(image.image),
            imageRef: imageRef, state: state.cri, createdAt: createdAt, labels: labels, annotations: annotations)
    }
}

extension Runtime_V1_ContainerStatus {
    /// The status; CRI's status carries no sandbox ID, so the caller supplies it.
    func cri(podSandboxID: String) -> CRI.ContainerStatus {
        let container = CRI.Container(
            id: id, podSandboxID: podSandboxID, metadata: metadata.cri, image: CRI.ImageSpec(image.image),
            imageRef: imageRef, state: state.cri, createdAt: createdAt, labels: labels, annotations: annotations)
        return CRI.ContainerStatus(
            container: container, startedAt: startedAt, finishedAt: finishedAt, exitCode: Int(exitCode),
            reason: exitReason, message: message, logPath: logPath)
    }

    /// containerd names the reason of every exit (`Completed`, `Error`, `OOMKilled`); a runtime
    /// that leaves it empty gets the kubelet's usual words from the exit code.
    var exitReason: String {
        guard state == .containerExited, reason.isEmpty else { return reason }
        return exitCode == 0 ? "Completed" : "Error"
    }
}

extension Runtime_V1_ContainerFilter {
    init(_ filter: CRI.ContainerFilter) {
        self.init()
        if let id = filter.id { self.id = id }
        if let sandbox = filter.podSandboxID { podSandboxID = sandbox }
        if let state = filter.state {
            var value = Runtime_V1_ContainerStateValue()
            value.state = Runtime_V1_ContainerState(state)
            self.state = value
        }
        labelSelector = filter.labels
    }
}

extension Runtime_V1_ContainerStatsFilter {
    init(_ filter: CRI.ContainerFilter) {
        self.init()
        if let id = filter.id { self.id = id }
        if let sandbox = filter.podSandboxID { podSandboxID = sandbox }
        labelSelector = filter.labels
    }
}

extension Runtime_V1_ContainerStats {
    /// The figures; CRI's stats name no sandbox, so the caller supplies it.
    func cri(podSandboxID: String) -> CRI.ContainerStats {
        CRI.ContainerStats(
            containerID: attributes.id, podSandboxID: podSandboxID, metadata: attributes.metadata.cri,
            timestamp: max(cpu.timestamp, memory.timestamp),
            cpuUsageCoreNanoseconds: cpu.usageCoreNanoSeconds.value,
            memoryWorkingSetBytes: memory.workingSetBytes.value,
            writableLayerBytes: writableLayer.usedBytes.value)
    }
}

extension Runtime_V1_ContainerEventType {
    var cri: CRI.ContainerEventType? {
        switch self {
        case .containerCreatedEvent: .created
        case .containerStartedEvent: .started
        case .containerStoppedEvent: .stopped
        case .containerDeletedEvent: .deleted
        default: nil
        }
    }
}

extension Runtime_V1_Image {
    var cri: CRI.Image {
        CRI.Image(id: id, repoTags: repoTags, repoDigests: repoDigests, size: Int64(clamping: size))
    }
}
