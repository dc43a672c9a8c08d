import KubeAPI
import Synchronization

/// Runs one worker per container probe (startup, liveness, readiness) on the kubelet's clock and
/// keeps the latest result of each, per container ID, the way the upstream kubelet's probe
/// manager does:
///
/// - a worker probes every `periodSeconds` (default 10), not before `initialDelaySeconds` after
///   the container started, each attempt bounded by `timeoutSeconds` (default 1);
/// - a result only changes after `successThreshold` (default 1) consecutive successes or
///   `failureThreshold` (default 3) consecutive failures;
/// - before the first change readiness is failing, liveness passing and startup unknown;
/// - while a container has a startup probe that has not succeeded, its liveness and readiness
///   probes do not run; once it succeeded the startup probe stops;
/// - a liveness or startup failure holds its worker until the container is replaced (the
///   kubelet kills it and starts a new one, with a new ID and fresh counters);
/// - every failed attempt is reported as an `Unhealthy` event.
final class ProbeManager: Sendable {
    /// Identifies one probe of one container.
    struct Key: Hashable, Sendable {
        var podUID: String
        var container: String
        var kind: ProbeKind
    }

    /// The settled result of a probe for one container instance.
    struct Outcome: Sendable, Hashable {
        var containerID: String
        var success: Bool
    }

    struct State {
        var workers: [Key: Task<Void, Never>] = [:]
        var results: [Key: Outcome] = [:]
        /// Set by `stopAll()`: no worker starts any more.
        var stopped = false
    }

    let prober: Prober
    let clock: KubeletClock
    private let state = Mutex(State())

    /// Creates a manager with no workers.
    init(prober: Prober, clock: KubeletClock) {
        self.prober = prober
        self.clock = clock
    }

    deinit {
        state.withLock { state in
            for worker in state.workers.values { worker.cancel() }
        }
    }

    /// Starts a worker for every probe of the pod's containers (regular containers and sidecars)
    /// that has none yet.
    func ensureWorkers(for pod: CoreV1.Pod, host: some ProbeHost) {
        guard let uid = pod.metadata.uid else { return }
        let sidecars = (pod.spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }
        for container in sidecars + (pod.spec?.containers ?? []) {
            let name = container.name ?? ""
            let probes: [(ProbeKind, CoreV1.Probe?)] = [
                (.startup, container.startupProbe), (.liveness, container.livenessProbe), (.readiness, container.readinessProbe),
            ]
            for case let (kind, probe?) in probes {
                let key = Key(podUID: uid, container: name, kind: kind)
                state.withLock { state in
                    guard !state.stopped, state.workers[key] == nil else { return }
                    state.workers[key] = Task { await self.runWorker(key, probe: probe, host: host) }
                }
            }
        }
    }

    /// Stops the pod's workers and forgets its results.
    func stopWorkers(podUID: String) {
        state.withLock { state in
            for (key, worker) in state.workers where key.podUID == podUID {
                worker.cancel()
                state.workers[key] = nil
            }
            for key in state.results.keys where key.podUID == podUID { state.results[key] = nil }
        }
    }

    /// Stops every worker for good (the kubelet is shutting down).
    func stopAll() {
        state.withLock { state in
            state.stopped = true
            for worker in state.workers.values { worker.cancel() }
            state.workers = [:]
        }
    }

    /// The number of running workers (for tests).
    var workerCount: Int { state.withLock { $0.workers.count } }

    /// The settled result of a probe for one container instance: `nil` while unknown.
    func result(_ kind: ProbeKind, podUID: String, container: String, containerID: String) -> Bool? {
        let key = Key(podUID: podUID, container: container, kind: kind)
        return state.withLock { state in
            guard let outcome = state.results[key], outcome.containerID == containerID else { return nil }
            return outcome.success
        }
    }

    /// The `started` and `ready` flags of a running container instance: started when it has no
    /// startup probe or that succeeded; ready when started and it has no readiness probe or that
    /// passes.
    func health(of container: CoreV1.Container, podUID: String, containerID: String) -> ContainerHealth {
        let name = container.name ?? ""
        let started = container.startupProbe == nil
            || result(.startup, podUID: podUID, container: name, containerID: containerID) == true
        let ready = started
            && (container.readinessProbe == nil
                || result(.readiness, podUID: podUID, container: name, containerID: containerID) == true)
        return ContainerHealth(started: started, ready: ready)
    }

    /// Which probe, if any, failed for good on this container instance (liveness or startup), so
    /// that the kubelet must kill it.
    func failedProbe(of container: CoreV1.Container, podUID: String, containerID: String) -> ProbeKind? {
        let name = container.name ?? ""
        for kind in [ProbeKind.startup, .liveness]
        where result(kind, podUID: podUID, container: name, containerID: containerID) == false {
            return kind
        }
        return nil
    }

    // MARK: Worker

    /// The state one worker keeps between periods.
    struct WorkerState {
        var containerID: String?
        var lastResult: Bool?
        var run = 0
        var onHold = false
    }

    private func runWorker(_ key: Key, probe: CoreV1.Probe, host: some ProbeHost) async {
        let period = Duration.seconds(max(1, probe.periodSeconds ?? 10))
        var worker = WorkerState()
        while !Task.isCancelled {
            guard await step(key, probe: probe, host: host, worker: &worker) else { break }
            do { try await clock.sleep(for: period) } catch { break }
        }
        state.withLock { state in
            if state.workers[key] != nil, Task.isCancelled == false { state.workers[key] = nil }
        }
    }

    /// One period of a worker; returns false when the worker must end (its pod is gone).
    func step(_ key: Key, probe: CoreV1.Probe, host: some ProbeHost, worker: inout WorkerState) async -> Bool {
        guard let observation = host.probeObservation(podUID: key.podUID, container: key.container) else { return false }
        guard let status = observation.status, status.container.state == .running else {
            if key.kind == .readiness, let id = worker.containerID { set(key, id, success: false, host: host) }
            return true
        }
        let id = status.container.id
        if worker.containerID != id {
            // A new instance: fresh counters and the initial result of this kind.
            worker = WorkerState(containerID: id)
            switch key.kind {
            case .readiness: set(key, id, success: false, host: host)
            case .liveness: set(key, id, success: true, host: host)
            case .startup: break
            }
        }
        if worker.onHold { return true }
        let container = observation.container
        let started = container.startupProbe == nil
            || result(.startup, podUID: key.podUID, container: key.container, containerID: id) == true
        switch key.kind {
        case .startup where started: return true
        case .liveness, .readiness: if !started { return true }
        default: break
        }
        let initialDelay = Int64(max(0, probe.initialDelaySeconds ?? 0)) * 1_000_000_000
        if clock.wallNanoseconds - status.startedAt < initialDelay { return true }

        let target = Prober.Target(containerID: id, container: container, podIP: observation.podIP)
        let outcome = await prober.run(probe, target: target)
        if Task.isCancelled { return false }
        let kind = key.kind.rawValue
        switch outcome {
        case .error(let message):
            host.probeEvent(observation.pod, container: key.container, warning: true, reason: "Unhealthy", message: "\(kind) probe errored: \(message)")
            return true
        case .failure(let message):
            host.probeEvent(observation.pod, container: key.container, warning: true, reason: "Unhealthy", message: "\(kind) probe failed: \(message)")
        case .warning(let message):
            host.probeEvent(observation.pod, container: key.container, warning: true, reason: "ProbeWarning", message: "\(kind) probe warning: \(message)")
        case .success:
            break
        }
        let success = outcome.isSuccess
        if worker.lastResult == success {
            worker.run += 1
        } else {
            worker.lastResult = success
            worker.run = 1
        }
        let threshold = success ? max(1, probe.successThreshold ?? 1) : max(1, probe.failureThreshold ?? 3)
        if worker.run < threshold { return true }
        set(key, id, success: success, host: host)
        if !success && key.kind != .readiness {
            // The kubelet kills the container; nothing more to probe until it is replaced.
            worker.onHold = true
            worker.run = 0
        }
        return true
    }

    private func set(_ key: Key, _ containerID: String, success: Bool, host: some ProbeHost) {
        let outcome = Outcome(containerID: containerID, success: success)
        let changed = state.withLock { state -> Bool in
            guard state.results[key] != outcome else { return false }
            state.results[key] = outcome
            return true
        }
        if changed { host.probeResultChanged(podUID: key.podUID) }
    }
}

/// The probe-derived flags of a running container instance.
public struct ContainerHealth: Sendable, Hashable {
    /// `status.containerStatuses[].started`.
    public var started: Bool
    /// `status.containerStatuses[].ready`.
    public var ready: Bool

    /// Creates flags.
    public init(started: Bool, ready: Bool) {
        self.started = started
        self.ready = ready
    }
}
