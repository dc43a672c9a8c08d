#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import FoundationEssentials
import Kubelet
import Logging
import ServiceLifecycle
import Subprocess
import Synchronization

/// The containerd the agent runs: writes its configuration, starts `/usr/bin/containerd` with it,
/// waits until the socket answers CRI `Version`, and starts it again (with back-off) whenever it
/// dies. A `Service`: graceful shutdown (or cancelling ``run()``) stops containerd with `SIGTERM`
/// (`SIGKILL` after ``Settings/stopGracePeriod``).
///
/// Stopping containerd leaves the pods running: each container's `containerd-shim-runc-v2` is a
/// process of its own (its own process group) that outlives containerd, and the next containerd
/// picks the shims up again, so containers survive an agent restart.
public final class ManagedContainerd: Service, Sendable {
    /// How containerd is run.
    public struct Settings: Sendable {
        /// What containerd is configured with.
        public var configuration: ContainerdConfiguration
        /// The containerd binary.
        public var binary: String
        /// containerd's log (standard output and error), appended to.
        public var logPath: String
        /// How long a start may take until the socket answers before it counts as failed.
        public var readinessTimeout: Duration
        /// The first delay before a restart; it doubles with every quick failure.
        public var initialRestartDelay: Duration
        /// The longest delay before a restart.
        public var maximumRestartDelay: Duration
        /// How long containerd has to exit after `SIGTERM`.
        public var stopGracePeriod: Duration

        /// Creates settings; the log goes next to containerd's root (`containerd.log`).
        public init(
            configuration: ContainerdConfiguration, binary: String = "/usr/bin/containerd", logPath: String? = nil,
            readinessTimeout: Duration = .seconds(60), initialRestartDelay: Duration = .milliseconds(250),
            maximumRestartDelay: Duration = .seconds(15), stopGracePeriod: Duration = .seconds(10)
        ) {
            self.configuration = configuration
            self.binary = binary
            self.logPath = logPath ?? "\(configuration.rootDirectory)/containerd.log"
            self.readinessTimeout = readinessTimeout
            self.initialRestartDelay = initialRestartDelay
            self.maximumRestartDelay = maximumRestartDelay
            self.stopGracePeriod = stopGracePeriod
        }
    }

    /// Why ``waitUntilReady(timeout:)`` gave up.
    public struct NotReady: Error, CustomStringConvertible {
        /// What happened.
        public var description: String
    }

    private struct State {
        var processID: pid_t?
        /// How long the last start took until the socket answered.
        var lastStartDuration: Duration?
        var ready = false
        var starts = 0
        var stopped = false
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
    }

    /// The settings it runs with.
    public let settings: Settings
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates the supervisor; nothing runs until ``run()``.
    public init(settings: Settings, logger: Logger = Logger(label: "k3s.containerd")) {
        self.settings = settings
        self.logger = logger
    }

    /// The running containerd's process ID, `nil` while none runs.
    public var processID: pid_t? { state.withLock { $0.processID } }

    /// How long the last start took from spawning containerd until its socket answered.
    public var lastStartDuration: Duration? { state.withLock { $0.lastStartDuration } }

    /// How many times containerd was started.
    public var startCount: Int { state.withLock { $0.starts } }

    /// Writes the configuration, then runs and watches containerd until graceful shutdown or
    /// cancellation, when it stops containerd (not the pods' shims) and returns.
    /// - Throws: when the configuration cannot be written.
    public func run() async throws {
        try writeConfiguration()
        await cancelWhenGracefulShutdown {
            await self.supervise()
        }
        let waiters = state.withLock { state in
            state.stopped = true
            state.ready = false
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(throwing: NotReady(description: "containerd was stopped")) }
    }

    /// Returns once containerd answers on its socket (at once when it does already).
    /// - Throws: ``NotReady`` after `timeout` or when the supervisor stops.
    public func waitUntilReady(timeout: Duration = .seconds(60)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.readiness() }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw NotReady(description: "containerd did not answer on \(self.settings.configuration.socketPath) within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func readiness() async throws {
        let key = state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate: Result<Void, any Error>? = state.withLock { state in
                    if state.ready { return .success(()) }
                    if state.stopped { return .failure(NotReady(description: "containerd was stopped")) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[key] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Writes `config.toml` (and creates the directories containerd and CNI need).
    public func writeConfiguration() throws {
        let configuration = settings.configuration
        for directory in [
            configuration.rootDirectory, configuration.stateDirectory, configuration.cniConfDirectory,
            configuration.registryConfigDirectory, Self.parent(of: configuration.configPath), Self.parent(of: configuration.socketPath),
            Self.parent(of: settings.logPath),
        ] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try Data(configuration.render().utf8).write(to: URL(filePath: configuration.configPath), options: .atomic)
    }

    private func supervise() async {
        var delay = settings.initialRestartDelay
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let status = await runOnce()
            if Task.isCancelled { break }
            // A containerd that ran for a while gets the short delay again.
            if ContinuousClock.now - started > .seconds(30) { delay = settings.initialRestartDelay }
            logger.warning("containerd exited (\(status)); starting it again in \(delay)")
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, settings.maximumRestartDelay)
        }
    }

    /// Starts containerd once and returns when it has exited (or, cancelled, after stopping it).
    private func runOnce() async -> String {
        let logFD = open(settings.logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard logFD >= 0 else {
            logger.error("cannot open containerd's log \(settings.logPath): errno \(errno)")
            return "log not writable"
        }
        var options = PlatformOptions()
        // SIGTERM first: containerd closes its sockets and exits, leaving the shims running.
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: settings.stopGracePeriod)]
        let configuration = Configuration(
            executable: .path(.init(settings.binary)),
            arguments: ["--config", settings.configuration.configPath],
            environment: .inherit,
            platformOptions: options)
        do {
            let result = try await Subprocess.run(
                configuration, input: .none, output: .fileDescriptor(.init(rawValue: logFD), closeAfterSpawningProcess: true),
                error: .combinedWithOutput
            ) { execution in
                let pid = execution.processIdentifier.value
                state.withLock {
                    $0.processID = pid
                    $0.starts += 1
                }
                logger.info("containerd started (pid \(pid)), config \(settings.configuration.configPath)")
                await self.announceReadiness()
            }
            state.withLock {
                $0.processID = nil
                $0.ready = false
            }
            return "\(result.terminationStatus)"
        } catch {
            state.withLock {
                $0.processID = nil
                $0.ready = false
            }
            return "could not run \(settings.binary): \(error)"
        }
    }

    /// Asks the socket for the CRI version until it answers, then wakes the waiters.
    private func announceReadiness() async {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + settings.readinessTimeout
        guard let client = try? CRIRuntimeClient(configuration: .init(
            socketPath: settings.configuration.socketPath, callTimeout: .seconds(2), maximumReconnectBackoff: .milliseconds(200)))
        else { return }
        var answered: CRI.Version?
        while !Task.isCancelled, clock.now < deadline, answered == nil {
            answered = try? await client.version()
            if answered == nil { try? await Task.sleep(for: .milliseconds(50)) }
        }
        await client.close()
        if let version = answered {
            let elapsed = clock.now - started
            let waiters = state.withLock { state in
                state.ready = true
                state.lastStartDuration = elapsed
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            logger.info("containerd \(version.runtimeVersion) answers on \(settings.configuration.socketPath) after \(elapsed)")
            for waiter in waiters { waiter.resume() }
        } else if !Task.isCancelled, let pid = processID {
            // A containerd that never answers is as good as dead: start a fresh one.
            logger.error("containerd did not answer on \(settings.configuration.socketPath) within \(settings.readinessTimeout): killing it")
            kill(pid, SIGKILL)
        }
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}
