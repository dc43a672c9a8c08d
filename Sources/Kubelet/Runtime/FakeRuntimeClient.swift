import ContainerImages
import KubeAPI
import Synchronization

/// An in-memory `RuntimeClient` that runs hollow containers: nothing executes, but containers go
/// through the real lifecycle on the injected clock.
///
/// A started container runs until stopped or, according to `HollowBehavior` (pod annotations
/// `hollow.k3s.io/run` and `hollow.k3s.io/stop`), exits by itself after a run time with an exit
/// code. Without an annotation a container whose effective restart policy
/// (`ContainerAnnotations.restartPolicy`) is `Always` runs forever and any other exits 0 after
/// `Configuration.defaultRunTime`. Pod IPs come from the pod CIDR pushed with
/// `updateRuntimeConfig`. Every lifecycle change is published on `containerEvents()`.
public final class FakeRuntimeClient: RuntimeClient {
    /// Settings of the fake.
    public struct Configuration: Sendable {
        /// How long a container runs that is not `Always` and has no annotation.
        public var defaultRunTime: Duration
        /// The runtime name reported by `version()`.
        public var runtimeName: String
        /// The runtime version reported by `version()`.
        public var runtimeVersion: String
        /// Normalized image references (`docker.io/library/missing:latest`) the fake registry lacks;
        /// pulling one throws `.notFound`.
        public var missingImages: Set<String>
        /// Answers `execSync` (exec probes, hooks): given the container's name in its pod, the
        /// pod's annotations and the command. The default answers exit code 0 with no output.
        public var execSync: @Sendable (_ container: String, _ podAnnotations: [String: String], _ command: [String]) -> CRI.ExecSyncResult
        /// The base URL of a streaming server to hand out (`http://127.0.0.1:PORT`, a test's
        /// stand-in): when set, `exec`, `attach` and `portForward` answer `<base>/<operation>/<id>`
        /// (operation `exec`, `attach` or `portforward`) instead of throwing `.unimplemented`.
        public var streamingServer: String?

        /// Creates settings.
        public init(
            defaultRunTime: Duration = .seconds(1), runtimeName: String = "containerd",
            runtimeVersion: String = "2.1.4-k3s1", missingImages: Set<String> = [],
            execSync: @escaping @Sendable (_ container: String, _ podAnnotations: [String: String], _ command: [String]) -> CRI.ExecSyncResult = { _, _, _ in CRI.ExecSyncResult() }
        ) {
            self.defaultRunTime = defaultRunTime
            self.runtimeName = runtimeName
            self.runtimeVersion = runtimeVersion
            self.missingImages = missingImages
            self.execSync = execSync
        }
    }

    struct SandboxRecord {
        var config: CRI.PodSandboxConfig
        var state: CRI.PodSandboxState
        var createdAt: Int64
        var ip: IPAddress?
    }

    struct ContainerRecord {
        var id: String
        var sandboxID: String
        var config: CRI.ContainerConfig
        var pod: CRI.PodSandboxMetadata
        var imageRef: String
        var run: HollowBehavior.Run
        var stopDelay: Duration
        var state: CRI.ContainerState
        var createdAt: Int64
        var startedAt: Int64 = 0
        var finishedAt: Int64 = 0
        var exitCode: Int = 0
        /// The log file the status reports: `config.logPath` under the sandbox's `logDirectory`
        /// (CRI semantics); the fake never writes it.
        var logPath = ""
        var reason: String = ""
        var timer: Task<Void, Never>?
    }

    struct State {
        var pool: PodIPPool?
        var sandboxes: [String: SandboxRecord] = [:]
        var sandboxOrder: [String] = []
        var containers: [String: ContainerRecord] = [:]
        var containerOrder: [String] = []
        var images: [String: CRI.Image] = [:]
        var subscribers: [Int: AsyncStream<CRI.ContainerEvent>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let configuration: Configuration
    private let clock: KubeletClock
    private let state = Mutex(State())

    /// Creates an empty runtime (no images, no pod CIDR).
    public init(configuration: Configuration = Configuration(), clock: KubeletClock = .continuous) {
        self.configuration = configuration
        self.clock = clock
    }

    deinit {
        state.withLock { state in
            for record in state.containers.values { record.timer?.cancel() }
            for continuation in state.subscribers.values { continuation.finish() }
        }
    }

    // MARK: Runtime

    /// `containerd` and the configured version.
    public func version() async throws -> CRI.Version {
        CRI.Version(runtimeName: configuration.runtimeName, runtimeVersion: configuration.runtimeVersion)
    }

    /// `RuntimeReady` always; `NetworkReady` once a pod CIDR has been pushed.
    public func status() async throws -> CRI.RuntimeStatus {
        let hasCIDR = state.withLock { $0.pool != nil }
        return CRI.RuntimeStatus(conditions: [
            CRI.RuntimeCondition(type: "RuntimeReady", status: true),
            hasCIDR
                ? CRI.RuntimeCondition(type: "NetworkReady", status: true)
                : CRI.RuntimeCondition(type: "NetworkReady", status: false, reason: "NetworkPluginNotReady", message: "no pod CIDR configured"),
        ])
    }

    /// Sets the pod CIDR; addresses of live sandboxes inside the new range stay taken.
    public func updateRuntimeConfig(_ config: CRI.RuntimeConfig) async throws {
        let pool = try PodIPPool(cidr: config.podCIDR)
        state.withLock { state in
            if state.pool?.cidr == pool.cidr { return }
            var fresh = pool
            // Keep addresses of live sandboxes that fall into the new range.
            for record in state.sandboxes.values {
                if let ip = record.ip { fresh.reserve(ip) }
            }
            state.pool = fresh
        }
    }

    // MARK: Sandboxes

    /// Creates a ready sandbox, with the lowest free pod IP unless it uses the host network.
    public func runPodSandbox(_ config: CRI.PodSandboxConfig) async throws -> String {
        guard !config.metadata.name.isEmpty, !config.metadata.uid.isEmpty else {
            throw RuntimeError(.invalidArgument, "sandbox metadata needs a pod name and UID")
        }
        let now = clock.wallNanoseconds
        return try state.withLock { state throws(RuntimeError) -> String in
            var ip: IPAddress?
            if !config.hostNetwork {
                guard var pool = state.pool else {
                    throw RuntimeError(.failedPrecondition, "network not ready: no pod CIDR configured")
                }
                ip = try pool.allocate()
                state.pool = pool
            }
            let id = Self.makeID()
            state.sandboxes[id] = SandboxRecord(config: config, state: .ready, createdAt: now, ip: ip)
            state.sandboxOrder.append(id)
            return id
        }
    }

    /// Kills the sandbox's running containers (exit code 137) and returns its IP to the pool;
    /// unknown IDs are ignored.
    public func stopPodSandbox(_ id: String) async throws {
        let now = clock.wallNanoseconds
        state.withLock { state in
            guard var sandbox = state.sandboxes[id] else { return }
            for containerID in state.containerOrder where state.containers[containerID]?.sandboxID == id {
                Self.finish(&state, containerID, at: now, exitCode: 137, reason: "Error")
            }
            if sandbox.state == .ready {
                if let ip = sandbox.ip { state.pool?.release(ip) }
                sandbox.state = .notReady
                state.sandboxes[id] = sandbox
            }
        }
    }

    /// Removes the sandbox and its containers; unknown IDs are ignored.
    public func removePodSandbox(_ id: String) async throws {
        let now = clock.wallNanoseconds
        state.withLock { state in
            guard let sandbox = state.sandboxes[id] else { return }
            for containerID in state.containerOrder where state.containers[containerID]?.sandboxID == id {
                Self.finish(&state, containerID, at: now, exitCode: 137, reason: "Error")
                Self.remove(&state, containerID, at: now)
            }
            if sandbox.state == .ready, let ip = sandbox.ip { state.pool?.release(ip) }
            state.sandboxes[id] = nil
            state.sandboxOrder.removeAll { $0 == id }
        }
    }

    /// The sandbox's state and IP.
    public func podSandboxStatus(_ id: String) async throws -> CRI.PodSandboxStatus {
        try state.withLock { state throws(RuntimeError) -> CRI.PodSandboxStatus in
            guard let record = state.sandboxes[id] else { throw RuntimeError(.notFound, "pod sandbox \(id) not found") }
            return CRI.PodSandboxStatus(sandbox: Self.entry(id, record), ip: record.ip?.description)
        }
    }

    /// Sandboxes matching the filter, oldest first.
    public func listPodSandbox(_ filter: CRI.PodSandboxFilter) async throws -> [CRI.PodSandbox] {
        state.withLock { state in
            state.sandboxOrder.compactMap { id -> CRI.PodSandbox? in
                guard let record = state.sandboxes[id] else { return nil }
                if let wanted = filter.id, wanted != id { return nil }
                if let wanted = filter.state, wanted != record.state { return nil }
                if !filter.labels.allSatisfy({ record.config.labels[$0.key] == $0.value }) { return nil }
                return Self.entry(id, record)
            }
        }
    }

    // MARK: Containers

    /// Creates a container whose behaviour comes from the sandbox's hollow annotations.
    public func createContainer(inSandbox sandboxID: String, config: CRI.ContainerConfig, sandboxConfig: CRI.PodSandboxConfig) async throws -> String {
        guard !config.metadata.name.isEmpty else { throw RuntimeError(.invalidArgument, "container metadata needs a name") }
        let behavior = try HollowBehavior(annotations: sandboxConfig.annotations)
        let name = config.metadata.name
        let run = behavior.run(for: name)
            ?? (config.annotations[ContainerAnnotations.restartPolicy] == "Always"
                ? .forever : .exits(after: configuration.defaultRunTime, exitCode: 0))
        let stopDelay = behavior.stopDelay(for: name)
        let reference = try ImageReference(validating: config.image.image)
        let now = clock.wallNanoseconds
        return try state.withLock { state throws(RuntimeError) -> String in
            guard let sandbox = state.sandboxes[sandboxID] else { throw RuntimeError(.notFound, "pod sandbox \(sandboxID) not found") }
            guard sandbox.state == .ready else { throw RuntimeError(.failedPrecondition, "pod sandbox \(sandboxID) is not ready") }
            guard let image = state.images[reference.normalized] else {
                throw RuntimeError(.failedPrecondition, "image \"\(reference.normalized)\" is not present; pull it first")
            }
            let id = Self.makeID()
            var record = ContainerRecord(
                id: id, sandboxID: sandboxID, config: config, pod: sandbox.config.metadata,
                imageRef: image.repoDigests.first ?? image.id, run: run, stopDelay: stopDelay, state: .created, createdAt: now)
            record.logPath = Self.logPath(config.logPath, directory: sandbox.config.logDirectory)
            state.containers[id] = record
            state.containerOrder.append(id)
            Self.publish(&state, record, .created, at: now)
            return id
        }
    }

    /// Starts the container and, for a finite run, arms its exit timer on the clock.
    public func startContainer(_ id: String) async throws {
        let started = clock.elapsed
        let now = clock.wallNanoseconds(at: started)
        let clock = self.clock
        try state.withLock { state throws(RuntimeError) in
            guard var record = state.containers[id] else { throw RuntimeError(.notFound, "container \(id) not found") }
            guard record.state == .created else {
                throw RuntimeError(.failedPrecondition, "container \(id) is \(record.state.rawValue), not CONTAINER_CREATED")
            }
            guard state.sandboxes[record.sandboxID]?.state == .ready else {
                throw RuntimeError(.failedPrecondition, "pod sandbox \(record.sandboxID) of container \(id) is not ready")
            }
            record.state = .running
            record.startedAt = now
            if case .exits(let after, let exitCode) = record.run {
                record.timer = Task { [weak self] in
                    do { try await clock.sleep(until: started + after) } catch { return }
                    self?.exitByItself(id, exitCode: exitCode)
                }
            }
            state.containers[id] = record
            Self.publish(&state, record, .started, at: now)
        }
    }

    /// Waits the container's stop delay (at most `timeout`) on the clock, then marks it exited.
    public func stopContainer(_ id: String, timeout: Duration) async throws {
        let delay = try state.withLock { state throws(RuntimeError) -> Duration? in
            guard let record = state.containers[id] else { throw RuntimeError(.notFound, "container \(id) not found") }
            return record.state == .running ? record.stopDelay : nil
        }
        guard let delay else { return }
        let graceful = delay <= timeout
        if delay > .zero || timeout > .zero {
            let wait = min(delay, max(timeout, .zero))
            if wait > .zero { try await clock.sleep(for: wait) }
        }
        let now = clock.wallNanoseconds
        state.withLock { state in
            Self.finish(&state, id, at: now, exitCode: graceful ? 0 : 137, reason: graceful ? "Completed" : "Error")
        }
    }

    /// Removes the container, killing it if it runs; unknown IDs are ignored.
    public func removeContainer(_ id: String) async throws {
        let now = clock.wallNanoseconds
        state.withLock { state in
            guard state.containers[id] != nil else { return }
            Self.finish(&state, id, at: now, exitCode: 137, reason: "Error")
            Self.remove(&state, id, at: now)
        }
    }

    /// The container's state, times and exit code.
    public func containerStatus(_ id: String) async throws -> CRI.ContainerStatus {
        try state.withLock { state throws(RuntimeError) -> CRI.ContainerStatus in
            guard let record = state.containers[id] else { throw RuntimeError(.notFound, "container \(id) not found") }
            return Self.status(record)
        }
    }

    /// Containers matching the filter, oldest first.
    public func listContainers(_ filter: CRI.ContainerFilter) async throws -> [CRI.Container] {
        state.withLock { state in
            state.containerOrder.compactMap { id -> CRI.Container? in
                guard let record = state.containers[id] else { return nil }
                if let wanted = filter.id, wanted != id { return nil }
                if let wanted = filter.podSandboxID, wanted != record.sandboxID { return nil }
                if let wanted = filter.state, wanted != record.state { return nil }
                if !filter.labels.allSatisfy({ record.config.labels[$0.key] == $0.value }) { return nil }
                return Self.entry(record)
            }
        }
    }

    /// Statuses of every container in `sandboxID`, oldest first, read at once (one lock, no list
    /// plus a status per container).
    public func containerStatuses(inSandbox sandboxID: String) -> [CRI.ContainerStatus] {
        state.withLock { state in
            state.containerOrder.compactMap { id in
                guard let record = state.containers[id], record.sandboxID == sandboxID else { return nil }
                return Self.status(record)
            }
        }
    }

    // MARK: Exec, streaming, stats

    /// Answers through `Configuration.execSync` for a running container.
    public func execSync(containerID: String, command: [String], timeout: Duration) async throws -> CRI.ExecSyncResult {
        let (name, annotations) = try state.withLock { state throws(RuntimeError) -> (String, [String: String]) in
            guard let record = state.containers[containerID] else { throw RuntimeError(.notFound, "container \(containerID) not found") }
            guard record.state == .running else { throw RuntimeError(.failedPrecondition, "container \(containerID) is not running") }
            return (record.config.metadata.name, state.sandboxes[record.sandboxID]?.config.annotations ?? [:])
        }
        guard !command.isEmpty else { throw RuntimeError(.invalidArgument, "command must not be empty") }
        return configuration.execSync(name, annotations, command)
    }

    /// Hollow containers have no processes to stream: checks the container, then throws `.unimplemented`.
    public func exec(_ request: CRI.ExecRequest) async throws -> String {
        guard !request.command.isEmpty else { throw RuntimeError(.invalidArgument, "command must not be empty") }
        try requireRunning(request.containerID)
        if let base = configuration.streamingServer { return "\(base)/exec/\(request.containerID)" }
        throw RuntimeError(.unimplemented, "hollow containers cannot stream (exec)")
    }

    /// Hollow containers have no processes to stream: checks the container, then throws `.unimplemented`.
    public func attach(_ request: CRI.AttachRequest) async throws -> String {
        try requireRunning(request.containerID)
        if let base = configuration.streamingServer { return "\(base)/attach/\(request.containerID)" }
        throw RuntimeError(.unimplemented, "hollow containers cannot stream (attach)")
    }

    /// Hollow sandboxes have no network namespace: checks the sandbox, then throws `.unimplemented`.
    public func portForward(sandboxID: String, ports: [Int]) async throws -> String {
        try state.withLock { state throws(RuntimeError) in
            guard state.sandboxes[sandboxID] != nil else { throw RuntimeError(.notFound, "pod sandbox \(sandboxID) not found") }
        }
        if let base = configuration.streamingServer { return "\(base)/portforward/\(sandboxID)" }
        throw RuntimeError(.unimplemented, "hollow sandboxes cannot stream (port-forward)")
    }

    /// Running containers that match, with zero usage (hollow containers use nothing).
    public func containerStats(_ filter: CRI.ContainerFilter) async throws -> [CRI.ContainerStats] {
        let now = clock.wallNanoseconds
        return try await listContainers(filter).filter { $0.state == .running }.map {
            CRI.ContainerStats(containerID: $0.id, podSandboxID: $0.podSandboxID, metadata: $0.metadata, timestamp: now)
        }
    }

    private func requireRunning(_ id: String) throws {
        try state.withLock { state throws(RuntimeError) in
            guard let record = state.containers[id] else { throw RuntimeError(.notFound, "container \(id) not found") }
            guard record.state == .running else { throw RuntimeError(.failedPrecondition, "container \(id) is not running") }
        }
    }

    // MARK: Images

    /// Adds the image with a stable fake digest, unless it is listed as missing.
    public func pullImage(_ image: CRI.ImageSpec) async throws -> String {
        let reference = try ImageReference(validating: image.image)
        guard !configuration.missingImages.contains(reference.normalized) else {
            throw RuntimeError(.notFound, "failed to resolve reference \"\(reference.normalized)\": not found")
        }
        return state.withLock { state in
            if let existing = state.images[reference.normalized] { return existing.repoDigests.first ?? existing.id }
            let digest = reference.fakeDigest
            let entry = CRI.Image(
                id: "sha256:\(ImageReference.hexDigest(of: "image:" + reference.normalized))",
                repoTags: [reference.normalized], repoDigests: ["\(reference.name)@sha256:\(digest)"],
                size: 10_000_000)
            state.images[reference.normalized] = entry
            return entry.repoDigests[0]
        }
    }

    /// The image if it was pulled.
    public func imageStatus(_ image: CRI.ImageSpec) async throws -> CRI.Image? {
        let reference = try ImageReference(validating: image.image)
        return state.withLock { $0.images[reference.normalized] }
    }

    /// Every pulled image, sorted by reference.
    public func listImages() async throws -> [CRI.Image] {
        state.withLock { state in state.images.keys.sorted().compactMap { state.images[$0] } }
    }

    /// Forgets a pulled image; absent images are ignored.
    public func removeImage(_ image: CRI.ImageSpec) async throws {
        let reference = try ImageReference(validating: image.image)
        _ = state.withLock { $0.images.removeValue(forKey: reference.normalized) }
    }

    // MARK: Events

    /// A new subscription to container events.
    public func containerEvents() -> AsyncStream<CRI.ContainerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: CRI.ContainerEvent.self, bufferingPolicy: .unbounded)
        let key = state.withLock { state in
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = continuation
            return key
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }

    // MARK: Recorded configurations

    /// The configurations sandboxes were created with, oldest first (removed ones excluded).
    public var sandboxConfigs: [CRI.PodSandboxConfig] {
        state.withLock { state in state.sandboxOrder.compactMap { state.sandboxes[$0]?.config } }
    }

    /// The configurations containers were created with, oldest first (removed ones excluded).
    public var containerConfigs: [CRI.ContainerConfig] {
        state.withLock { state in state.containerOrder.compactMap { state.containers[$0]?.config } }
    }

    // MARK: Internals

    private func exitByItself(_ id: String, exitCode: Int) {
        let now = clock.wallNanoseconds
        state.withLock { state in
            Self.finish(&state, id, at: now, exitCode: exitCode, reason: exitCode == 0 ? "Completed" : "Error")
        }
    }

    private static func finish(_ state: inout State, _ id: String, at now: Int64, exitCode: Int, reason: String) {
        guard var record = state.containers[id] else { return }
        switch record.state {
        case .running:
            record.state = .exited
            record.finishedAt = now
            record.exitCode = exitCode
            record.reason = reason
            record.timer?.cancel()
            record.timer = nil
            state.containers[id] = record
            publish(&state, record, .stopped, at: now)
        case .created:
            // A container that never ran leaves as exited without a start time.
            record.state = .exited
            record.finishedAt = now
            record.exitCode = 0
            state.containers[id] = record
        case .exited, .unknown:
            break
        }
    }

    private static func remove(_ state: inout State, _ id: String, at now: Int64) {
        guard let record = state.containers.removeValue(forKey: id) else { return }
        record.timer?.cancel()
        state.containerOrder.removeAll { $0 == id }
        publish(&state, record, .deleted, at: now)
    }

    private static func publish(_ state: inout State, _ record: ContainerRecord, _ type: CRI.ContainerEventType, at now: Int64) {
        let event = CRI.ContainerEvent(containerID: record.id, type: type, createdAt: now, podSandboxID: record.sandboxID, pod: record.pod)
        for continuation in state.subscribers.values { continuation.yield(event) }
    }

    private static func entry(_ id: String, _ record: SandboxRecord) -> CRI.PodSandbox {
        CRI.PodSandbox(
            id: id, metadata: record.config.metadata, state: record.state, createdAt: record.createdAt,
            labels: record.config.labels, annotations: record.config.annotations)
    }

    private static func entry(_ record: ContainerRecord) -> CRI.Container {
        CRI.Container(
            id: record.id, podSandboxID: record.sandboxID, metadata: record.config.metadata, image: record.config.image,
            imageRef: record.imageRef, state: record.state, createdAt: record.createdAt,
            labels: record.config.labels, annotations: record.config.annotations)
    }

    private static func status(_ record: ContainerRecord) -> CRI.ContainerStatus {
        CRI.ContainerStatus(
            container: entry(record), startedAt: record.startedAt, finishedAt: record.finishedAt,
            exitCode: record.exitCode, reason: record.reason, logPath: record.logPath)
    }

    /// A container's log path as CRI resolves it: relative paths are under the sandbox's log
    /// directory; empty when the container keeps no log.
    static func logPath(_ path: String, directory: String) -> String {
        guard !path.isEmpty, !path.hasPrefix("/"), !directory.isEmpty else { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    private static func makeID() -> String {
        var text = ""
        for _ in 0..<4 {
            let part = String(UInt64.random(in: .min ... .max), radix: 16)
            text += String(repeating: "0", count: 16 - part.count) + part
        }
        return text
    }
}
