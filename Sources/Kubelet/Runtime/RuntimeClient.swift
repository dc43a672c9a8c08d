/// The kubelet's seam to a container runtime, shaped like the CRI `RuntimeService` and
/// `ImageService`. The kubelet uses nothing else of a runtime. `FakeRuntimeClient` runs hollow
/// containers in memory; a client of containerd's CRI socket is planned with the real node.
/// Every implementation must pass `RuntimeClientConformance` (in `ClusterTesting`).
///
/// Every method may throw `RuntimeError`; the codes each one uses are listed with it. Stop and
/// remove operations are idempotent, as in CRI: stopping a stopped object or removing a missing
/// one succeeds.
public protocol RuntimeClient: Sendable {
    /// The runtime's name and version.
    func version() async throws -> CRI.Version

    /// The runtime's health: `RuntimeReady` and `NetworkReady` conditions. `NetworkReady` is false
    /// until a pod CIDR has been pushed with `updateRuntimeConfig` (for runtimes that allocate pod
    /// IPs from it).
    func status() async throws -> CRI.RuntimeStatus

    /// Pushes node-level settings (the pod CIDR). Throws `.invalidArgument` for a malformed CIDR.
    func updateRuntimeConfig(_ config: CRI.RuntimeConfig) async throws

    /// Creates and starts a pod sandbox and sets up its network (allocating a pod IP unless the pod
    /// uses the host network). Returns the sandbox ID.
    /// Throws `.invalidArgument` for an empty pod name or UID, `.failedPrecondition` when the
    /// network is not ready (no pod CIDR), `.unavailable` when no pod IP is left.
    func runPodSandbox(_ config: CRI.PodSandboxConfig) async throws -> String

    /// Stops a sandbox: kills its running containers (no grace) and releases its network (the pod
    /// IP returns to the pool). Idempotent, as CRI requires: stopping a stopped sandbox, or one
    /// already removed (an unknown ID), succeeds.
    func stopPodSandbox(_ id: String) async throws

    /// Removes a sandbox and all its containers, stopping them first if needed. Removing an unknown
    /// sandbox succeeds.
    func removePodSandbox(_ id: String) async throws

    /// The status of one sandbox. Throws `.notFound`.
    func podSandboxStatus(_ id: String) async throws -> CRI.PodSandboxStatus

    /// The sandboxes that match `filter`, oldest first.
    func listPodSandbox(_ filter: CRI.PodSandboxFilter) async throws -> [CRI.PodSandbox]

    /// Creates a container in a ready sandbox; it does not run until `startContainer`. Returns the
    /// container ID. Throws `.notFound` for an unknown sandbox, `.failedPrecondition` when the
    /// sandbox is not ready or the image is not present, `.invalidArgument` for an empty name.
    func createContainer(inSandbox sandboxID: String, config: CRI.ContainerConfig, sandboxConfig: CRI.PodSandboxConfig) async throws -> String

    /// Starts a created container. Throws `.notFound`, or `.failedPrecondition` when it is not in
    /// the created state.
    func startContainer(_ id: String) async throws

    /// Stops a running container: asks it to stop, and kills it when it has not exited after
    /// `timeout`. Returns once it has exited. Stopping an exited or created container succeeds.
    /// Throws `.notFound` for an unknown ID.
    func stopContainer(_ id: String, timeout: Duration) async throws

    /// Removes a container, killing it first if it runs. Removing an unknown container succeeds.
    func removeContainer(_ id: String) async throws

    /// The status of one container. Throws `.notFound`.
    func containerStatus(_ id: String) async throws -> CRI.ContainerStatus

    /// The containers that match `filter`, oldest first.
    func listContainers(_ filter: CRI.ContainerFilter) async throws -> [CRI.Container]

    /// The status of every container in a sandbox, oldest first: what `listContainers` filtered
    /// on the sandbox followed by `containerStatus` of each gives, in one call (the kubelet reads
    /// a pod's runtime state with it). An unknown sandbox has no containers (an empty answer, not
    /// `.notFound`); a container removed while the statuses are gathered is left out. The default
    /// implementation makes those calls; a runtime that can answer at once provides its own.
    func containerStatuses(inSandbox sandboxID: String) async throws -> [CRI.ContainerStatus]

    /// Pulls an image and returns its reference (`docker.io/library/nginx@sha256:...`).
    /// Throws `.invalidArgument` for an empty or malformed reference, `.notFound` when the registry
    /// does not have it.
    func pullImage(_ image: CRI.ImageSpec) async throws -> String

    /// The image if present on the node, `nil` when absent.
    func imageStatus(_ image: CRI.ImageSpec) async throws -> CRI.Image?

    /// Every image present on the node.
    func listImages() async throws -> [CRI.Image]

    /// Removes an image from the node (image garbage collection); containers already created
    /// from it are not affected. Removing an absent image succeeds. Throws `.invalidArgument` for
    /// an empty or malformed reference.
    func removeImage(_ image: CRI.ImageSpec) async throws

    /// Runs a command in a running container to completion (exec probes, lifecycle hooks) and
    /// returns its output and exit code; a command that runs longer than `timeout` is killed and
    /// the call throws `.deadlineExceeded`. A command that cannot start (not found) is a result
    /// with a non-zero exit code, as in CRI. Throws `.notFound` for an unknown container,
    /// `.failedPrecondition` when it is not running.
    func execSync(containerID: String, command: [String], timeout: Duration) async throws -> CRI.ExecSyncResult

    /// Prepares a streaming `exec` and returns the URL of the runtime's streaming server that
    /// serves it (SPDY/3.1 or WebSocket upgrade, the upstream remote-command protocols). Throws
    /// `.notFound` for an unknown container, `.failedPrecondition` when it is not running,
    /// `.invalidArgument` for an empty command, `.unimplemented` when the runtime cannot stream.
    func exec(_ request: CRI.ExecRequest) async throws -> String

    /// Prepares a streaming `attach` to a container's main process; as `exec`.
    func attach(_ request: CRI.AttachRequest) async throws -> String

    /// Prepares a port-forward into a sandbox's network namespace and returns the streaming URL.
    /// Throws `.notFound` for an unknown sandbox, `.unimplemented` when the runtime cannot stream.
    func portForward(sandboxID: String, ports: [Int]) async throws -> String

    /// Resource usage of the containers that match `filter` (running ones; exited containers
    /// may be left out).
    func containerStats(_ filter: CRI.ContainerFilter) async throws -> [CRI.ContainerStats]

    /// A stream of container lifecycle events from now on. Each call returns a new subscription;
    /// the stream finishes when the runtime shuts down or the consumer stops iterating.
    func containerEvents() -> AsyncStream<CRI.ContainerEvent>
}

extension RuntimeClient {
    /// Every sandbox.
    public func listPodSandbox() async throws -> [CRI.PodSandbox] { try await listPodSandbox(CRI.PodSandboxFilter()) }

    /// Every container.
    public func listContainers() async throws -> [CRI.Container] { try await listContainers(CRI.ContainerFilter()) }

    /// Lists the sandbox's containers and asks for the status of each; containers that vanish
    /// between the two calls (`.notFound`) are left out.
    public func containerStatuses(inSandbox sandboxID: String) async throws -> [CRI.ContainerStatus] {
        var statuses: [CRI.ContainerStatus] = []
        for container in try await listContainers(CRI.ContainerFilter(podSandboxID: sandboxID)) {
            do {
                statuses.append(try await containerStatus(container.id))
            } catch let error as RuntimeError where error.code == .notFound {
                continue
            }
        }
        return statuses
    }
}
