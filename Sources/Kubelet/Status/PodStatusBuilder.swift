import ContainerImages
import KubeAPI

/// Computes a pod's API status from the pod, its runtime state and the sync plan, the way the
/// upstream kubelet's status generation does; a pure function so every rule is unit-testable.
public struct PodStatusBuilder: Sendable {
    /// The node's IPs (first is `status.hostIP`).
    public var hostIPs: [String]
    /// The runtime's name, the scheme of container IDs (`containerd://...`).
    public var runtimeName: String

    /// Creates a builder.
    public init(hostIPs: [String], runtimeName: String = "containerd") {
        self.hostIPs = hostIPs
        self.runtimeName = runtimeName
    }

    /// The status `pod` should have now.
    /// - Parameters:
    ///   - pod: the pod as last seen from the API (its current status supplies timestamps that do
    ///     not change: `startTime`, conditions' `lastTransitionTime`).
    ///   - runtime: the pod's sandbox and containers.
    ///   - plan: the plan computed for the same state (back-offs, terminal phase).
    ///   - problems: start failures by container name.
    ///   - health: the probe-derived `started`/`ready` flags of running containers, by container
    ///     ID; a running container missing here is started and ready.
    ///   - messages: termination messages of exited containers, by container ID, appended to the
    ///     runtime's message.
    ///   - now: the current time.
    public func status(
        for pod: CoreV1.Pod, runtime: PodRuntimeView, plan: PodSyncPlan,
        problems: [String: ContainerProblem] = [:], health: [String: ContainerHealth] = [:],
        messages: [String: String] = [:], now: Time
    ) -> CoreV1.PodStatus {
        let context = Context(health: health, messages: messages)
        let old = pod.status ?? CoreV1.PodStatus()
        var status = CoreV1.PodStatus()
        let spec = pod.spec ?? CoreV1.PodSpec()
        let initContainers = spec.initContainers ?? []
        let containers = spec.containers ?? []
        let hostNetwork = spec.hostNetwork ?? false

        // Container statuses.
        var initPending = false
        var initStatuses: [CoreV1.ContainerStatus] = []
        for container in initContainers {
            let name = container.name ?? ""
            var entry = containerStatus(container, runtime: runtime, plan: plan, problem: problems[name], pod: pod, context: context,
                                        defaultWaiting: runtime.sandboxReady ? "PodInitializing" : "ContainerCreating")
            let sidecar = container.restartPolicy == "Always"
            if sidecar {
                if entry.state?.running == nil || entry.started != true { initPending = initPending || !(plan.terminalPhase != nil) }
            } else if !(entry.state?.terminated?.exitCode == 0) {
                initPending = true
            }
            if !sidecar { entry.ready = entry.state?.terminated?.exitCode == 0 }
            initStatuses.append(entry)
        }
        var regular: [CoreV1.ContainerStatus] = []
        for container in containers {
            let name = container.name ?? ""
            let waiting = !runtime.sandboxReady ? "ContainerCreating" : (initPending ? "PodInitializing" : "ContainerCreating")
            regular.append(containerStatus(
                container, runtime: runtime, plan: plan, problem: problems[name], pod: pod, context: context, defaultWaiting: waiting))
        }
        status.initContainerStatuses = initStatuses.isEmpty ? nil : initStatuses
        status.containerStatuses = regular.isEmpty ? nil : regular

        // Phase.
        status.phase = plan.terminalPhase ?? Self.phase(
            restartPolicy: pod.restartPolicy, initContainers: initContainers, initStatuses: initStatuses, statuses: regular)
        let terminal = status.phase == "Succeeded" || status.phase == "Failed"

        // Addresses.
        if let first = hostIPs.first {
            status.hostIP = first
            status.hostIPs = hostIPs.map { CoreV1.HostIP(ip: $0) }
        }
        if hostNetwork {
            if let first = hostIPs.first {
                status.podIP = first
                status.podIPs = hostIPs.map { CoreV1.PodIP(ip: $0) }
            }
        } else if let sandbox = runtime.sandbox, let ip = sandbox.ip {
            status.podIP = ip
            status.podIPs = ([ip] + sandbox.additionalIPs).map { CoreV1.PodIP(ip: $0) }
        } else if terminal {
            status.podIP = old.podIP
            status.podIPs = old.podIPs
        }

        // Conditions.
        let sandboxUp = runtime.sandboxReady
        let unready = regular.filter { $0.ready != true }.map { $0.name ?? "" }
        let uninitialized = zip(initContainers, initStatuses).filter { container, entry in
            container.restartPolicy == "Always" ? entry.started != true : entry.state?.terminated?.exitCode != 0
        }.map { $0.0.name ?? "" }
        var owned: [CoreV1.PodCondition] = []
        owned.append(condition("PodReadyToStartContainers", sandboxUp, old: old, now: now))
        if uninitialized.isEmpty || (terminal && old.conditions?.first(where: { $0.type == "Initialized" })?.status == "True") {
            owned.append(condition("Initialized", true, old: old, now: now))
        } else {
            owned.append(condition("Initialized", false, reason: "ContainersNotInitialized",
                                   message: "containers with incomplete status: [\(uninitialized.joined(separator: " "))]", old: old, now: now))
        }
        let gates = (spec.readinessGates ?? []).compactMap(\.conditionType)
        let failingGates = gates.filter { gate in old.conditions?.first(where: { $0.type == gate })?.status != "True" }
        let containersReady = unready.isEmpty && !terminal
        let completed = status.phase == "Succeeded"
        let containersReason = completed ? "PodCompleted" : "ContainersNotReady"
        let unreadyMessage: String? = completed ? nil : "containers with unready status: [\(unready.joined(separator: " "))]"
        if containersReady && failingGates.isEmpty {
            owned.append(condition("Ready", true, old: old, now: now))
        } else if containersReady {
            owned.append(condition("Ready", false, reason: "ReadinessGatesNotReady",
                                   message: "corresponding condition of pod readiness gate \"\(failingGates[0])\" does not exist.", old: old, now: now))
        } else {
            owned.append(condition("Ready", false, reason: containersReason, message: unreadyMessage, old: old, now: now))
        }
        if containersReady {
            owned.append(condition("ContainersReady", true, old: old, now: now))
        } else {
            owned.append(condition("ContainersReady", false, reason: containersReason, message: unreadyMessage, old: old, now: now))
        }
        if let scheduled = old.conditions?.first(where: { $0.type == "PodScheduled" }) {
            owned.append(scheduled)
        } else {
            owned.append(condition("PodScheduled", true, old: old, now: now))
        }
        let ownedTypes = Set(owned.compactMap(\.type))
        let others = (old.conditions ?? []).filter { !ownedTypes.contains($0.type ?? "") }
        status.conditions = owned + others

        status.startTime = old.startTime ?? now
        status.qosClass = old.qosClass ?? PodQOS.qosClass(of: pod.spec)
        status.observedGeneration = pod.metadata.generation
        // A terminal pod keeps the reason and message it was failed with (node-pressure eviction).
        if terminal {
            status.reason = old.reason
            status.message = old.message
        }
        // Fields other components own are carried over unchanged.
        status.nominatedNodeName = old.nominatedNodeName
        status.resourceClaimStatuses = old.resourceClaimStatuses
        return status
    }

    /// The pod phase from container statuses, after the upstream rules: an unfinished init
    /// container keeps the pod Pending (or Failed under `Never` when it failed); otherwise a
    /// waiting container means Pending, a running one Running, and when all have stopped the
    /// restart policy decides.
    public static func phase(
        restartPolicy: String, initContainers: [CoreV1.Container], initStatuses: [CoreV1.ContainerStatus],
        statuses: [CoreV1.ContainerStatus]
    ) -> String {
        for (container, entry) in zip(initContainers, initStatuses) {
            if container.restartPolicy == "Always" {
                if entry.state?.running == nil && entry.lastState?.terminated == nil { return "Pending" }
                continue
            }
            if let terminated = entry.state?.terminated {
                if terminated.exitCode == 0 { continue }
                if restartPolicy == "Never" { return "Failed" }
            }
            return "Pending"
        }
        var running = 0, waiting = 0, stopped = 0, succeeded = 0
        for entry in statuses {
            if entry.state?.running != nil {
                running += 1
            } else if let terminated = entry.state?.terminated {
                stopped += 1
                if terminated.exitCode == 0 { succeeded += 1 }
            } else if entry.lastState?.terminated != nil {
                stopped += 1
            } else {
                waiting += 1
            }
        }
        if waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if stopped > 0 {
            if restartPolicy == "Always" { return "Running" }
            if stopped == succeeded { return "Succeeded" }
            if restartPolicy == "Never" { return "Failed" }
            return "Running"
        }
        return "Pending"
    }

    /// Per-container inputs besides the runtime view.
    struct Context {
        var health: [String: ContainerHealth]
        var messages: [String: String]
    }

    private func containerStatus(
        _ container: CoreV1.Container, runtime: PodRuntimeView, plan: PodSyncPlan, problem: ContainerProblem?,
        pod: CoreV1.Pod, context: Context, defaultWaiting: String
    ) -> CoreV1.ContainerStatus {
        let name = container.name ?? ""
        var entry = CoreV1.ContainerStatus(name: name, ready: false, restartCount: 0, started: false)
        entry.image = (try? ImageReference(validating: container.image ?? ""))?.normalized ?? container.image
        entry.imageID = ""
        guard let latest = runtime.latest(name) else {
            if let problem {
                entry.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(message: problem.message, reason: problem.reason))
            } else {
                entry.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: defaultWaiting))
            }
            return entry
        }
        entry.restartCount = latest.container.metadata.attempt
        entry.imageID = latest.container.imageRef
        entry.containerID = "\(runtimeName)://\(latest.container.id)"
        if let previous = runtime.previous(name), previous.container.state == .exited {
            entry.lastState = CoreV1.ContainerState(terminated: terminated(previous, context))
        }
        switch latest.container.state {
        case .running:
            entry.state = CoreV1.ContainerState(running: CoreV1.ContainerStateRunning(startedAt: time(latest.startedAt)))
            let health = context.health[latest.container.id]
            entry.ready = health?.ready ?? true
            entry.started = health?.started ?? true
        case .exited:
            if let backoff = plan.backoff[name] {
                let seconds = backoff.delay.components.seconds
                let message = "back-off \(Self.format(seconds: seconds)) restarting failed container=\(name) pod=\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(pod.metadata.uid ?? ""))"
                entry.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(message: message, reason: "CrashLoopBackOff"))
                entry.lastState = CoreV1.ContainerState(terminated: terminated(latest, context))
                entry.containerID = nil
            } else if let problem {
                entry.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(message: problem.message, reason: problem.reason))
                entry.lastState = CoreV1.ContainerState(terminated: terminated(latest, context))
            } else {
                entry.state = CoreV1.ContainerState(terminated: terminated(latest, context))
            }
        case .created, .unknown:
            entry.state = CoreV1.ContainerState(waiting: CoreV1.ContainerStateWaiting(reason: "ContainerCreating"))
        }
        return entry
    }

    private func terminated(_ status: CRI.ContainerStatus, _ context: Context) -> CoreV1.ContainerStateTerminated {
        var message = status.message
        if let extra = context.messages[status.container.id], !extra.isEmpty {
            message = message.isEmpty ? extra : message + ": " + extra
        }
        return CoreV1.ContainerStateTerminated(
            containerID: "\(runtimeName)://\(status.container.id)",
            exitCode: status.exitCode,
            finishedAt: time(status.finishedAt),
            message: message.isEmpty ? nil : message,
            reason: status.reason.isEmpty ? (status.exitCode == 0 ? "Completed" : "Error") : status.reason,
            startedAt: status.startedAt == 0 ? nil : time(status.startedAt))
    }

    private func time(_ nanoseconds: Int64) -> Time {
        Time(secondsSinceEpoch: nanoseconds / 1_000_000_000)
    }

    private func condition(
        _ type: String, _ value: Bool, reason: String? = nil, message: String? = nil, old: CoreV1.PodStatus, now: Time
    ) -> CoreV1.PodCondition {
        let status = value ? "True" : "False"
        let previous = old.conditions?.first { $0.type == type }
        let transition = previous?.status == status ? (previous?.lastTransitionTime ?? now) : now
        return CoreV1.PodCondition(lastTransitionTime: transition, message: message, reason: reason, status: status, type: type)
    }

    /// Go-style duration text for whole seconds (`10s`, `1m20s`, `5m0s`).
    static func format(seconds: Int64) -> String {
        if seconds < 60 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)m\(seconds % 60)s" }
        return "\(minutes / 60)h\(minutes % 60)m\(seconds % 60)s"
    }
}
