import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The scheduler: watches pods, nodes and namespaces, places each pending pod that names
/// this scheduler onto a node and binds it, preempting lower-priority pods when nothing fits.
///
/// Decisions come from the I/O-free core (``SchedulingAlgorithm``, ``Preemption``,
/// ``SchedulingQueue`` over a ``ClusterSnapshot``); this type feeds it from informers and carries
/// out its decisions through the API.
public final class Scheduler: Sendable {
    /// The `spec.schedulerName` this scheduler serves.
    public let schedulerName: String
    let client: KubeClient
    let informers: InformerFactory
    private let logger: Logger
    private let maxConcurrentBinds: Int
    let state: Mutex<State>
    let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant
    private let signal: AsyncStream<Void>
    private let signalContinuation: AsyncStream<Void>.Continuation
    let volumeBindTimeout: Duration
    let claimWaiters = Mutex<ClaimWaiters>(ClaimWaiters())

    /// Tasks waiting for claims to be bound, woken on every claim change.
    struct ClaimWaiters: ~Copyable {
        var next = 0
        var waiting: [Int: AsyncStream<Void>.Continuation] = [:]
    }

    struct State: ~Copyable {
        var queue = SchedulingQueue()
        let snapshot = ClusterSnapshot()
        let algorithm: SchedulingAlgorithm
    }

    /// Creates a scheduler. Informers come from the shared factory; whoever owns the factory runs
    /// it. At most `maxConcurrentBinds` bindings are in flight at once. A pod whose claims wait
    /// for its node is bound once they are, or fails after `volumeBindTimeout`.
    public init(client: KubeClient, informers: InformerFactory, schedulerName: String = "default-scheduler",
                logger: Logger, maxConcurrentBinds: Int = 16, percentageOfNodesToScore: Int = 0,
                volumeBindTimeout: Duration = .seconds(600)) {
        self.volumeBindTimeout = volumeBindTimeout
        self.client = client
        self.informers = informers
        self.schedulerName = schedulerName
        self.logger = logger
        self.maxConcurrentBinds = max(1, maxConcurrentBinds)
        self.state = Mutex(State(algorithm: SchedulingAlgorithm(percentageOfNodesToScore: percentageOfNodesToScore)))
        self.origin = clock.now
        (signal, signalContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var now: Duration { origin.duration(to: clock.now) }

    /// How many Events the scheduler writes at once (4,096 may wait in all).
    static let eventWriters = 4

    func wake() { signalContinuation.yield() }

    /// Runs until the task is cancelled: registers informer handlers, waits for their caches,
    /// then schedules pods as they become pending.
    public func run() async throws {
        // `Scheduled` events are written by several writers at once (upstream writes each in its own
        // goroutine), off the scheduling loop; each writer's queue is bounded.
        let recorder = EventRecorder(client: client, component: schedulerName, logger: logger, writers: Self.eventWriters,
                                     queueLimit: 4096 / Self.eventWriters)
        let pods = informers.informer(CoreV1.Pod.self)
        let nodes = informers.informer(CoreV1.Node.self)
        let namespaces = informers.informer(CoreV1.Namespace.self)
        let volumeInformers = watchVolumes()
        namespaces.addHandler(InformerHandler(
            onAdd: { [self] in namespaceChanged($0, deleted: false) },
            onUpdate: { [self] _, new in namespaceChanged(new, deleted: false) },
            onDelete: { [self] in namespaceChanged($0, deleted: true) }))
        nodes.addHandler(InformerHandler(
            onAdd: { [self] in nodeChanged(old: nil, new: $0) },
            onUpdate: { [self] old, new in nodeChanged(old: old, new: new) },
            onDelete: { [self] in nodeDeleted($0) }))
        pods.addHandler(InformerHandler(
            onAdd: { [self] in podChanged(old: nil, new: $0) },
            onUpdate: { [self] old, new in podChanged(old: old, new: new) },
            onDelete: { [self] in podDeleted($0) }))
        await namespaces.waitForSync()
        await nodes.waitForSync()
        await pods.waitForSync()
        for waitForSync in volumeInformers { await waitForSync() }
        logger.info("scheduler caches synced", metadata: ["scheduler": "\(schedulerName)"])

        await withTaskGroup(of: Void.self) { background in
            background.addTask { await recorder.run() }
            background.addTask { [self] in await tick() }
            await withTaskGroup(of: Void.self) { work in
                var running = 0
                for await _ in signal {
                    while !Task.isCancelled, let action = nextAction() {
                        if case .bind(_, _, let claims) = action, !claims.isEmpty {
                            // Waiting for volumes can take minutes: it holds no binding slot.
                            background.addTask { [self] in await perform(action, recorder: recorder) }
                            continue
                        }
                        if running >= maxConcurrentBinds {
                            await work.next()
                            running -= 1
                        }
                        running += 1
                        work.addTask { [self] in await perform(action, recorder: recorder) }
                    }
                }
                await work.waitForAll()
            }
            background.cancelAll()
        }
    }

    /// Wakes the loop when backoffs end or parked pods time out.
    private func tick() async {
        while !Task.isCancelled {
            let wait: Duration = state.withLock { state in
                guard let next = state.queue.nextWakeup() else { return .seconds(1) }
                return min(max(next - now, .milliseconds(10)), .seconds(1))
            }
            try? await clock.sleep(for: wait)
            wake()
        }
    }

    // MARK: - Informer events

    private func priority(of pod: CoreV1.Pod) -> Int {
        // Admission resolves `priorityClassName` into `spec.priority` (as upstream's Priority
        // admission does), so the scheduler reads the number; like upstream's scheduler it does
        // not watch PriorityClasses (its RBAC role cannot).
        if let priority = pod.spec?.priority { return priority }
        return 0
    }

    private func namespaceChanged(_ namespace: CoreV1.Namespace, deleted: Bool) {
        guard let name = namespace.metadata.name else { return }
        state.withLock { state in
            state.snapshot.namespaceLabels[name] = deleted ? nil : (namespace.metadata.labels ?? [:])
        }
    }

    private static func schedulingRelevantChange(_ old: CoreV1.Node, _ new: CoreV1.Node) -> Bool {
        old.metadata.labels != new.metadata.labels || old.spec?.taints != new.spec?.taints
            || old.spec?.unschedulable != new.spec?.unschedulable || old.status?.allocatable != new.status?.allocatable
    }

    private func nodeChanged(old: CoreV1.Node?, new: CoreV1.Node) {
        state.withLock { state in
            state.snapshot.upsertNode(new)
            if old.map({ Self.schedulingRelevantChange($0, new) }) ?? true {
                state.queue.moveAllToActiveOrBackoff(now: now)
            }
        }
        wake()
    }

    private func nodeDeleted(_ node: CoreV1.Node) {
        state.withLock { state in state.snapshot.removeNode(named: node.metadata.name ?? "") }
    }

    private func podChanged(old: CoreV1.Pod?, new pod: CoreV1.Pod) {
        let key = (pod.metadata.namespace ?? "default") + "/" + (pod.metadata.name ?? "")
        let assigned = !(pod.spec?.nodeName ?? "").isEmpty
        let wakeUp: Bool = state.withLock { state in
            let info = PodInfo(pod, priority: priority(of: pod))
            if assigned {
                state.queue.remove(key)
                state.snapshot.removeNomination(key: key)
                let finished = pod.isTerminal
                let wasThere = state.snapshot.nodeName(ofPod: key) != nil
                state.snapshot.upsertPod(info)
                if finished && wasThere {
                    state.queue.moveAllToActiveOrBackoff(now: now)
                    return true
                }
                return false
            }
            guard pod.spec?.schedulerName ?? "default-scheduler" == schedulerName, pod.isActive else {
                state.queue.remove(key)
                state.snapshot.removeNomination(key: key)
                return false
            }
            state.snapshot.setNomination(info, nodeName: pod.status?.nominatedNodeName)
            let changed = old.map { $0.spec != pod.spec || $0.metadata.labels != pod.metadata.labels } ?? true
            state.queue.add(pod, priority: info.priority, schedulingChanged: changed, now: now)
            return true
        }
        if wakeUp { wake() }
    }

    private func podDeleted(_ pod: CoreV1.Pod) {
        let key = (pod.metadata.namespace ?? "default") + "/" + (pod.metadata.name ?? "")
        state.withLock { state in
            state.queue.remove(key)
            state.snapshot.removeNomination(key: key)
            if state.snapshot.removePod(key: key) != nil {
                state.queue.moveAllToActiveOrBackoff(now: now)
            }
        }
        wake()
    }

    // MARK: - Scheduling cycle

    /// What the loop does with one popped pod, outside the lock.
    enum Action: Sendable {
        /// Bind the pod to the node, first annotating `claims` (`namespace/name`) with the node
        /// and waiting for them to be bound.
        case bind(CoreV1.Pod, node: String, claims: [String])
        case failed(CoreV1.Pod, message: String, nominate: String?, victims: [CoreV1.Pod], denominate: [CoreV1.Pod])
    }

    /// Pops a pod and runs the scheduling cycle for it under the lock; assumes it on success.
    private func nextAction() -> Action? {
        state.withLock { state -> Action? in
            let current = now
            guard let entry = state.queue.pop(now: current) else { return nil }
            let info = PodInfo(entry.pod, priority: entry.priority)
            do throws(SchedulingError) {
                let result = try state.algorithm.schedule(info, in: state.snapshot)
                state.snapshot.assume(info, on: result.nodeName)
                let claims = info.claimNames.isEmpty ? [] : VolumeBinding(pod: info, catalog: state.snapshot.volumes).claimsToSelect
                for claim in claims { state.snapshot.volumes.assume(claim: claim, on: result.nodeName) }
                return .bind(entry.pod, node: result.nodeName, claims: claims)
            } catch {
                var message = error.message
                var nominate: String?
                var victims: [CoreV1.Pod] = []
                var denominate: [CoreV1.Pod] = []
                if case .unschedulable(var fit) = error {
                    switch Preemption.preempt(info, fitError: fit, snapshot: state.snapshot, algorithm: state.algorithm) {
                    case .preempt(let candidate):
                        nominate = candidate.nodeName
                        victims = candidate.victims.map(\.pod)
                        // Lower-priority pods waiting for the same node lose their claim on it.
                        for waiting in state.snapshot.nominated[candidate.nodeName] ?? [] where waiting.priority < info.priority {
                            denominate.append(waiting.pod)
                            state.snapshot.removeNomination(key: waiting.key)
                        }
                        state.snapshot.setNomination(info, nodeName: candidate.nodeName)
                    case .failed(let reason):
                        fit.preemptionMessage = reason
                    }
                    message = fit.message
                }
                state.queue.addUnschedulable(entry.key, now: current)
                return .failed(entry.pod, message: message, nominate: nominate, victims: victims, denominate: denominate)
            }
        }
    }

    private func perform(_ action: Action, recorder: EventRecorder) async {
        switch action {
        case .bind(let pod, let node, let claims):
            if !claims.isEmpty {
                do {
                    try await bindVolumes(claims, to: node)
                } catch is CancellationError {
                    return
                } catch {
                    let key = (pod.metadata.namespace ?? "default") + "/" + (pod.metadata.name ?? "")
                    failBinding(pod, key: key, node: node, claims: claims,
                                message: "running PreBind plugin \"VolumeBinding\": binding volumes: \(error)", recorder: recorder)
                    return
                }
            }
            await bind(pod, to: node, recorder: recorder)
        case .failed(let pod, let message, let nominate, let victims, let denominate):
            await recordFailure(pod, message: message, nominate: nominate, victims: victims, recorder: recorder)
            for waiting in denominate {
                _ = try? await client.resource(CoreV1.Pod.self).patch(
                    waiting.metadata.name ?? "", namespace: waiting.metadata.namespace ?? "default", type: .merge,
                    body: ["status": ["nominatedNodeName": nil]], subresource: "status")
            }
        }
    }

    private func bind(_ pod: CoreV1.Pod, to node: String, recorder: EventRecorder) async {
        let name = pod.metadata.name ?? ""
        let namespace = pod.metadata.namespace ?? "default"
        let key = namespace + "/" + name
        let binding = CoreV1.Binding(
            metadata: MetaV1.ObjectMeta(name: name, namespace: namespace, uid: pod.metadata.uid),
            target: CoreV1.ObjectReference(apiVersion: "v1", kind: "Node", name: node))
        do {
            try await client.resource(CoreV1.Pod.self).create(subresource: "binding", of: name, namespace: namespace, body: binding)
            state.withLock { state in state.queue.done(key) }
            recorder.record(pod, type: .normal, reason: "Scheduled", message: "Successfully assigned \(key) to \(node)")
        } catch {
            failBinding(pod, key: key, node: node, claims: [], message: "Binding rejected: \(error)", recorder: recorder)
        }
    }

    /// Forgets a pod's (and its claims') assumed placement and retries it after its backoff.
    private func failBinding(_ pod: CoreV1.Pod, key: String, node: String, claims: [String], message: String, recorder: EventRecorder) {
        logger.warning("binding failed", metadata: ["pod": "\(key)", "node": "\(node)", "error": "\(message)"])
        state.withLock { state in
            if state.snapshot.nodeName(ofPod: key) == node { state.snapshot.removePod(key: key) }
            for claim in claims { state.snapshot.volumes.forgetAssumption(claim: claim) }
            state.queue.addBackoff(key, now: now)
        }
        recorder.record(pod, type: .warning, reason: "FailedScheduling", message: message)
        wake()
    }

    private func recordFailure(_ pod: CoreV1.Pod, message: String, nominate: String?, victims: [CoreV1.Pod],
                               recorder: EventRecorder) async {
        let name = pod.metadata.name ?? ""
        let namespace = pod.metadata.namespace ?? "default"
        recorder.record(pod, type: .warning, reason: "FailedScheduling", message: message)
        let condition: JSONValue = [
            "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
            "message": .string(message), "lastTransitionTime": .string(Time.now().description),
        ]
        let status: JSONValue = nominate.map { ["conditions": [condition], "nominatedNodeName": .string($0)] }
            ?? ["conditions": [condition]]
        do {
            _ = try await client.resource(CoreV1.Pod.self).patch(name, namespace: namespace, type: .strategicMerge,
                                                                  body: ["status": status], subresource: "status")
        } catch {
            logger.debug("pod status update failed", metadata: ["pod": "\(namespace)/\(name)", "error": "\(error)"])
        }
        guard let nominate else { return }
        for victim in victims {
            let victimName = victim.metadata.name ?? ""
            let victimNamespace = victim.metadata.namespace ?? "default"
            let disruption: JSONValue = ["status": ["conditions": [[
                "type": "DisruptionTarget", "status": "True", "reason": "PreemptionByScheduler",
                "message": .string("\(schedulerName): preempting to accommodate a higher priority pod"),
                "lastTransitionTime": .string(Time.now().description),
            ]]]]
            _ = try? await client.resource(CoreV1.Pod.self).patch(victimName, namespace: victimNamespace, type: .strategicMerge,
                                                                   body: disruption, subresource: "status")
            recorder.record(victim, type: .normal, reason: "Preempted",
                            message: "Preempted by pod \(pod.metadata.uid ?? namespace + "/" + name) on node \(nominate)")
            do {
                _ = try await client.resource(CoreV1.Pod.self).delete(victimName, namespace: victimNamespace)
            } catch {
                logger.warning("deleting preemption victim failed", metadata: ["pod": "\(victimNamespace)/\(victimName)", "error": "\(error)"])
            }
        }
    }
}
