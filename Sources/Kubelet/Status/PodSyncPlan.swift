import KubeAPI

/// What the kubelet must do next for one pod, decided from the pod and its runtime state alone
/// (no I/O), following the upstream kubelet's rules: sandbox first, init containers one at a
/// time to completion (sidecars, init containers with `restartPolicy: Always`, only need to have
/// started), then every regular container; exited containers restart per the pod's restart policy
/// with crash-loop back-off; a pod whose containers are all done is terminal.
public struct PodSyncPlan: Sendable, Hashable {
    /// What to do with the sandbox.
    public enum SandboxAction: Sendable, Hashable {
        /// Nothing.
        case keep
        /// Create one (the pod has none, or its sandbox is gone while the pod still runs).
        case create
        /// Stop it: the pod is terminal and its containers must not run any more.
        case stop
    }

    /// A container to create and start now.
    public struct Start: Sendable, Hashable {
        /// The container's name.
        public var name: String
        /// Whether it is an init container (sidecars included).
        public var isInit: Bool
        /// The attempt number to create (its restart count).
        public var attempt: Int
    }

    /// A restart held back by crash-loop back-off.
    public struct Backoff: Sendable, Hashable {
        /// The current back-off delay.
        public var delay: Duration
        /// When the restart may happen, nanoseconds since the epoch.
        public var notBefore: Int64
    }

    /// What to do with the sandbox.
    public var sandbox: SandboxAction = .keep
    /// Containers to start now, in order.
    public var start: [Start] = []
    /// Restarts waiting for back-off, by container name.
    public var backoff: [String: Backoff] = [:]
    /// The terminal phase (`Succeeded`/`Failed`) when the pod is done, else `nil`.
    public var terminalPhase: String?

    /// The earliest back-off expiry, when the pod must be synced again without an event.
    public var requeueAt: Int64? { backoff.values.map(\.notBefore).min() }

    /// Whether the plan does anything right now.
    public var hasActions: Bool { sandbox != .keep || !start.isEmpty }

    /// Creates an empty plan.
    public init() {}

    /// Decides the next actions for `pod` given `runtime`, at wall time `now` (nanoseconds).
    /// `health` holds the probe-derived flags of running containers by container ID: a running
    /// sidecar whose startup probe has not passed yet (`started: false`) holds the init
    /// containers after it and the regular containers, as upstream.
    public static func compute(
        pod: CoreV1.Pod, runtime: PodRuntimeView, backoff policy: RestartBackoff, now: Int64,
        health: [String: ContainerHealth] = [:]
    ) -> PodSyncPlan {
        var plan = PodSyncPlan()
        let restartPolicy = pod.restartPolicy
        let phase = pod.status?.phase ?? ""
        if phase == "Succeeded" || phase == "Failed" {
            // A terminal pod never runs again; only make sure nothing is left running.
            if runtime.sandboxReady { plan.sandbox = .stop }
            plan.terminalPhase = phase
            return plan
        }
        guard runtime.sandboxReady else {
            // A sandbox that stopped under a non-terminal pod is replaced, as upstream does.
            plan.sandbox = .create
            return plan
        }

        // Init containers, in order.
        var initDone = true
        for container in pod.spec?.initContainers ?? [] {
            let name = container.name ?? ""
            let sidecar = container.restartPolicy == "Always"
            guard let latest = runtime.latest(name) else {
                plan.start.append(Start(name: name, isInit: true, attempt: 0))
                initDone = false
                break
            }
            switch latest.container.state {
            case .running:
                if sidecar && health[latest.container.id]?.started != false { continue }
                initDone = false
            case .created, .unknown:
                initDone = false
            case .exited:
                if !sidecar && latest.exitCode == 0 && latest.startedAt != 0 { continue }
                if !sidecar && restartPolicy == "Never" {
                    plan.terminalPhase = "Failed"
                    plan.sandbox = .stop
                    return plan
                }
                plan.restart(name, isInit: true, latest: latest, policy: policy, now: now)
                if !sidecar { initDone = false }
            }
            if !initDone { break }
        }
        guard initDone else { return plan }

        // Regular containers.
        var allDone = true
        var allSucceeded = true
        for container in pod.spec?.containers ?? [] {
            let name = container.name ?? ""
            guard let latest = runtime.latest(name) else {
                plan.start.append(Start(name: name, isInit: false, attempt: 0))
                allDone = false
                continue
            }
            switch latest.container.state {
            case .running, .created, .unknown:
                allDone = false
            case .exited:
                let succeeded = latest.exitCode == 0 && latest.startedAt != 0
                let restart = restartPolicy == "Always" || (restartPolicy == "OnFailure" && !succeeded)
                if restart {
                    allDone = false
                    plan.restart(name, isInit: false, latest: latest, policy: policy, now: now)
                } else if !succeeded {
                    allSucceeded = false
                }
            }
        }
        if allDone && !(pod.spec?.containers ?? []).isEmpty {
            plan.terminalPhase = allSucceeded ? "Succeeded" : "Failed"
            plan.sandbox = .stop
            plan.start = plan.start.filter { !$0.isInit }
            plan.backoff = [:]
        }
        return plan
    }

    private mutating func restart(_ name: String, isInit: Bool, latest: CRI.ContainerStatus, policy: RestartBackoff, now: Int64) {
        let restarts = latest.container.metadata.attempt
        let lastRun: Duration = latest.startedAt > 0 ? .nanoseconds(max(0, latest.finishedAt - latest.startedAt)) : .zero
        let delay = policy.delay(restarts: restarts, lastRun: lastRun)
        let (seconds, attoseconds) = delay.components
        let notBefore = latest.finishedAt + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        if delay == .zero || now >= notBefore {
            start.append(Start(name: name, isInit: isInit, attempt: restarts + 1))
        } else {
            backoff[name] = Backoff(delay: delay, notBefore: notBefore)
        }
    }
}

extension CoreV1.Pod {
    /// `spec.restartPolicy`, defaulting to `Always`.
    var restartPolicy: String { spec?.restartPolicy ?? "Always" }

    /// `namespace/name`.
    var key: String { "\(metadata.namespace ?? "")/\(metadata.name ?? "")" }
}
