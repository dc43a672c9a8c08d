#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Kubelet

extension CRIRuntimeClient {
    /// Creates a container in a ready sandbox (CRI `CreateContainer`).
    public func createContainer(inSandbox sandboxID: String, config: CRI.ContainerConfig, sandboxConfig: CRI.PodSandboxConfig) async throws -> String {
        guard !config.metadata.name.isEmpty else { throw RuntimeError(.invalidArgument, "container needs a name") }
        // containerd reports a missing sandbox or image, or a stopped sandbox, only as an
        // unclassified failure: check first, so the kubelet sees the seam's codes.
        let sandbox = try await podSandboxStatus(sandboxID)
        guard sandbox.sandbox.state == .ready else {
            throw RuntimeError(.failedPrecondition, "pod sandbox \(sandboxID) is not ready")
        }
        guard try await imageStatus(config.image) != nil else {
            throw RuntimeError(.failedPrecondition, "image \(config.image.image) is not present")
        }
        var request = Runtime_V1_CreateContainerRequest()
        request.podSandboxID = sandboxID
        request.config = Runtime_V1_ContainerConfig(config)
        request.sandboxConfig = Runtime_V1_PodSandboxConfig(sandboxConfig)
        let id = try await call("CreateContainer") { try await runtimeService.createContainer(request, options: callOptions).containerID }
        sandboxOfContainer.withLock { $0[id] = sandboxID }
        events.publish(containerID: id, sandboxID: sandboxID, pod: sandboxConfig.metadata, reached: .created, at: Self.now)
        return id
    }

    /// Starts a created container (CRI `StartContainer`).
    public func startContainer(_ id: String) async throws {
        var request = Runtime_V1_StartContainerRequest()
        request.containerID = id
        try await classifyingStateErrors(id, allowed: .created) {
            _ = try await call("StartContainer") { try await runtimeService.startContainer(request, options: callOptions) }
        }
        events.advance(containerID: id, to: .started, at: Self.now)
    }

    /// Stops a container, killing it after `timeout` (CRI `StopContainer`).
    public func stopContainer(_ id: String, timeout: Duration) async throws {
        var request = Runtime_V1_StopContainerRequest()
        request.containerID = id
        request.timeout = Self.wholeSeconds(timeout)
        var options = callOptions
        options.timeout = timeout + configuration.callTimeout
        _ = try await call("StopContainer") { try await runtimeService.stopContainer(request, options: options) }
        events.advance(containerID: id, to: .stopped, at: Self.now)
    }

    /// Removes a container (CRI `RemoveContainer`); an unknown container is removed already.
    public func removeContainer(_ id: String) async throws {
        var request = Runtime_V1_RemoveContainerRequest()
        request.containerID = id
        try await ignoringNotFound {
            _ = try await call("RemoveContainer") { try await runtimeService.removeContainer(request, options: callOptions) }
        }
        events.advance(containerID: id, to: .deleted, at: Self.now)
        sandboxOfContainer.withLock { _ = $0.removeValue(forKey: id) }
    }

    /// One container's status (CRI `ContainerStatus`), with its sandbox and log path.
    public func containerStatus(_ id: String) async throws -> CRI.ContainerStatus {
        var request = Runtime_V1_ContainerStatusRequest()
        request.containerID = id
        let status = try await call("ContainerStatus") { try await runtimeService.containerStatus(request, options: callOptions).status }
        return status.cri(podSandboxID: try await sandboxID(ofContainer: id))
    }

    /// The containers that match, oldest first (CRI `ListContainers`).
    public func listContainers(_ filter: CRI.ContainerFilter) async throws -> [CRI.Container] {
        var request = Runtime_V1_ListContainersRequest()
        request.filter = Runtime_V1_ContainerFilter(filter)
        let containers = try await call("ListContainers") { try await runtimeService.listContainers(request, options: callOptions).containers }
        sandboxOfContainer.withLock { known in
            for container in containers { known[container.id] = container.podSandboxID }
        }
        return containers.map(\.cri).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// The sandbox a container belongs to (remembered, else listed).
    func sandboxID(ofContainer id: String) async throws -> String {
        if let known = sandboxOfContainer.withLock({ $0[id] }) { return known }
        guard let container = try await listContainers(CRI.ContainerFilter(id: id)).first else {
            throw RuntimeError(.notFound, "container \(id) not found")
        }
        return container.podSandboxID
    }

    /// Runs `body`; when it fails with anything but `.notFound` and the container is not in the
    /// `allowed` state, the failure becomes `.failedPrecondition` (containerd words wrong-state
    /// failures as unclassified errors).
    func classifyingStateErrors(_ id: String, allowed: CRI.ContainerState, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as RuntimeError where error.code == .unknown {
            if let state = try? await containerStatus(id).container.state, state != allowed {
                throw RuntimeError(.failedPrecondition, "container \(id) is \(state.rawValue): \(error.message)")
            }
            throw error
        }
    }

    /// Whole seconds for a CRI timeout field, rounded up (zero stays zero).
    static func wholeSeconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return max(0, seconds + (attoseconds > 0 ? 1 : 0))
    }

    /// Now, nanoseconds since the epoch (the timestamps of events the client publishes itself).
    static var now: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
