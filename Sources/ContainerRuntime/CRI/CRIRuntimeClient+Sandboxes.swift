import Kubelet

extension CRIRuntimeClient {
    /// The runtime's name and version (CRI `Version`).
    public func version() async throws -> CRI.Version {
        try await call("Version") { try await runtimeService.version(Runtime_V1_VersionRequest(), options: callOptions).cri }
    }

    /// The runtime's `RuntimeReady` and `NetworkReady` conditions (CRI `Status`).
    public func status() async throws -> CRI.RuntimeStatus {
        try await call("Status") { try await runtimeService.status(Runtime_V1_StatusRequest(), options: callOptions).cri }
    }

    /// Pushes the pod CIDR (CRI `UpdateRuntimeConfig`) after checking it. The runtime's network
    /// becomes ready once a CNI configuration for the CIDR is in its configuration directory
    /// (the agent writes it with `CNIConfiguration`).
    public func updateRuntimeConfig(_ config: CRI.RuntimeConfig) async throws {
        for cidr in config.podCIDR.split(separator: ",") { _ = try PodIPPool(cidr: String(cidr)) }
        var request = Runtime_V1_UpdateRuntimeConfigRequest()
        request.runtimeConfig.networkConfig.podCidr = config.podCIDR
        _ = try await call("UpdateRuntimeConfig") { try await runtimeService.updateRuntimeConfig(request, options: callOptions) }
    }

    /// Creates and starts a sandbox (CRI `RunPodSandbox`); the runtime sets up its network
    /// through CNI.
    public func runPodSandbox(_ config: CRI.PodSandboxConfig) async throws -> String {
        guard !config.metadata.name.isEmpty else { throw RuntimeError(.invalidArgument, "pod sandbox needs a pod name") }
        guard !config.metadata.uid.isEmpty else { throw RuntimeError(.invalidArgument, "pod sandbox \(config.metadata.name) needs a pod UID") }
        var request = Runtime_V1_RunPodSandboxRequest()
        request.config = Runtime_V1_PodSandboxConfig(config)
        return try await call("RunPodSandbox") { try await runtimeService.runPodSandbox(request, options: callOptions).podSandboxID }
    }

    /// Stops a sandbox and its containers (CRI `StopPodSandbox`); an unknown sandbox is stopped
    /// already.
    public func stopPodSandbox(_ id: String) async throws {
        var request = Runtime_V1_StopPodSandboxRequest()
        request.podSandboxID = id
        try await ignoringNotFound {
            _ = try await call("StopPodSandbox") { try await runtimeService.stopPodSandbox(request, options: callOptions) }
        }
    }

    /// Removes a sandbox and its containers (CRI `RemovePodSandbox`); an unknown sandbox is removed
    /// already.
    public func removePodSandbox(_ id: String) async throws {
        var request = Runtime_V1_RemovePodSandboxRequest()
        request.podSandboxID = id
        try await ignoringNotFound {
            _ = try await call("RemovePodSandbox") { try await runtimeService.removePodSandbox(request, options: callOptions) }
        }
        sandboxOfContainer.withLock { $0 = $0.filter { $0.value != id } }
    }

    /// One sandbox's status (CRI `PodSandboxStatus`).
    public func podSandboxStatus(_ id: String) async throws -> CRI.PodSandboxStatus {
        var request = Runtime_V1_PodSandboxStatusRequest()
        request.podSandboxID = id
        return try await call("PodSandboxStatus") { try await runtimeService.podSandboxStatus(request, options: callOptions).status.cri }
    }

    /// The sandboxes that match, oldest first (CRI `ListPodSandbox`; the runtime's order is not
    /// defined, so the client sorts).
    public func listPodSandbox(_ filter: CRI.PodSandboxFilter) async throws -> [CRI.PodSandbox] {
        var request = Runtime_V1_ListPodSandboxRequest()
        request.filter = Runtime_V1_PodSandboxFilter(filter)
        let items = try await call("ListPodSandbox") { try await runtimeService.listPodSandbox(request, options: callOptions).items }
        return items.map(\.cri).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Runs `body`, treating `.notFound` as success (idempotent stops and removals).
    func ignoringNotFound(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RuntimeError where error.code == .notFound {
            return
        }
    }
}
