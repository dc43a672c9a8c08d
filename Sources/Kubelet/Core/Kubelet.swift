import KubeAPI
import KubeClient
import Logging
import Synchronization

/// A kubelet: registers its Node, keeps its lease and status fresh, and runs the pods bound to it
/// on a `RuntimeClient` (the fake one for hollow nodes), reporting their status through
/// `pods/status` and completing graceful deletion. See `Docs/Kubelet.md` for the guarantees.
public final class Kubelet: Sendable {
    /// The kubelet's settings.
    public let configuration: KubeletConfiguration
    let client: KubeClient
    let runtime: any RuntimeClient
    let clock: KubeletClock
    let logger: Logger
    /// Events about this kubelet's pods (`FailedMount`, `Pulled`, `BackOff`, ...); written while
    /// the kubelet runs.
    public let events: KubeletEventRecorder
    /// Where configMaps, secrets, claims and tokens that pods refer to are read.
    let objects: any PodObjectSource
    /// Pod volumes on disk; `nil` when the configuration has no root directory (hollow nodes).
    let volumeManager: VolumeManager?
    /// Probe workers and their results.
    let probes: ProbeManager
    /// Runs postStart and preStop hooks.
    let hooks: LifecycleHookRunner
    /// Reads termination message files and log tails of exited containers.
    let terminationMessages: any TerminationMessageReader
    /// Pending work: pods to sync (by UID) and the node's own object to take note of.
    let queue: WorkQueue<Work>
    let state = Mutex(State())
    /// The real machine's facts; `nil` on hollow nodes.
    let machine: MachineInfo?
    /// The node's and its pods' resource figures; the kubelet API serves them
    /// (`/stats/summary`, `/metrics/resource`).
    public let stats: StatsCollector
    /// Pressure, eviction and image garbage collection memory.
    let resources = Mutex(NodeResourceState())
    /// The periodic full syncs' timings (real nodes run one every `syncFrequency`).
    public let syncRounds: PodSyncRounds

    /// One unit of the kubelet's work; the queue never hands the same one to two workers.
    enum Work: Hashable, Sendable {
        /// Sync the pod with this UID.
        case pod(String)
        /// Act on the latest Node object (a new pod CIDR).
        case node
    }

    /// What the kubelet knows about one pod bound to it.
    struct PodEntry {
        var pod: CoreV1.Pod
        /// The pod has disappeared from the API; only cleanup remains.
        var gone = false
        var sandboxID: String?
        var problems: [String: ContainerProblem] = [:]
        var pullFailures: [String: Int] = [:]
        /// Termination finished and the delete request was sent.
        var deleteRequested = false
        /// The terminal phase once decided; it never changes afterwards.
        var terminalPhase: String?
        /// The status last written, so that a server-side normalization cannot cause a write loop.
        var lastWritten: CoreV1.PodStatus?
        /// The runtime state seen by the last sync (what probe workers look at).
        var view = PodRuntimeView()
        /// Crash-loop back-offs already reported with a `BackOff` event (container name to the
        /// back-off's end), so that each back-off is reported once.
        var backoffReported: [String: Int64] = [:]
        /// Termination messages of exited containers, by container ID (read once).
        var terminationMessages: [String: String] = [:]
    }

    struct State {
        var pods: [String: PodEntry] = [:]
        var node: CoreV1.Node?
        var podCIDR: String?
        var runtimeVersion = CRI.Version(runtimeName: "containerd", runtimeVersion: "")
        var reportedConditions: [CoreV1.NodeCondition]?
        var lastReport: Duration = .zero
        var lease: CoordinationV1.Lease?
        var registered = false
        /// The Services informer when `serviceEnvironment` is on.
        var services: Informer<CoreV1.Service>?
    }

    /// Creates a kubelet; nothing happens until `run()`.
    /// - Parameters:
    ///   - probeDialer: the network side of HTTP, TCP and gRPC probes and `httpGet` hooks
    ///     (default: real connections from the node's network namespace).
    ///   - terminationMessages: reads termination message files and log tails of exited
    ///     containers (default: the files under `rootDirectory/pods`, none without a root).
    public init(
        client: KubeClient, configuration: KubeletConfiguration, runtime: any RuntimeClient,
        clock: KubeletClock = .continuous, logger: Logger, probeDialer: any ProbeDialer = NIOProbeDialer(),
        terminationMessages: (any TerminationMessageReader)? = nil
    ) {
        self.client = client
        self.configuration = configuration
        self.runtime = runtime
        self.clock = clock
        let prober = Prober(
            exec: { id, command, timeout in try await runtime.execSync(containerID: id, command: command, timeout: timeout) },
            dialer: probeDialer, userAgent: Self.probeUserAgent(kubeletVersion: configuration.kubeletVersion))
        self.probes = ProbeManager(prober: prober, clock: clock)
        self.hooks = LifecycleHookRunner(prober: prober, clock: clock)
        self.terminationMessages = terminationMessages
            ?? configuration.rootDirectory.map { HostTerminationMessageReader(podsDirectory: $0 + "/pods") }
            ?? NoTerminationMessages()
        var logger = logger
        logger[metadataKey: "node"] = "\(configuration.nodeName)"
        self.logger = logger
        self.events = KubeletEventRecorder(client: client, nodeName: configuration.nodeName, clock: clock, logger: logger)
        let objects = APIPodObjectSource(client: client)
        self.objects = objects
        self.volumeManager = configuration.rootDirectory.map {
            VolumeManager(root: $0, source: objects, clock: clock, mountTmpfs: VolumeManager.canMount, logger: logger)
        }
        self.queue = WorkQueue(name: "kubelet_pods", clock: clock.monotonic)
        let settings = configuration.nodeResources
        let machine = settings.host.map { MachineInfo(reading: $0, rootDirectory: settings.rootDirectory) }
        self.machine = machine
        let syncRounds = PodSyncRounds()
        self.syncRounds = syncRounds
        self.stats = StatsCollector(
            nodeName: configuration.nodeName, runtime: runtime, host: settings.host, settings: settings,
            memoryCapacityBytes: machine?.memoryBytes, wallNanoseconds: { clock.wallNanoseconds }, syncRounds: syncRounds)
        resources.withLock { $0.tracker = PressureTracker(transitionPeriod: settings.evictionPressureTransitionPeriod) }
    }

    /// Creates a kubelet on any clock measured in `Duration` (a test's manual clock, say).
    public convenience init<C: Clock>(
        client: KubeClient, configuration: KubeletConfiguration, runtime: any RuntimeClient, clock: C, logger: Logger,
        probeDialer: any ProbeDialer = NIOProbeDialer(), terminationMessages: (any TerminationMessageReader)? = nil
    ) where C.Duration == Duration {
        self.init(
            client: client, configuration: configuration, runtime: runtime, clock: KubeletClock(clock), logger: logger,
            probeDialer: probeDialer, terminationMessages: terminationMessages)
    }

    /// `kube-probe/MAJOR.MINOR` from a kubelet version (`v1.36.2+k3s-swift` gives `kube-probe/1.36`).
    static func probeUserAgent(kubeletVersion: String) -> String {
        let numbers = kubeletVersion.drop { !$0.isNumber }.split(separator: ".").prefix(2)
        return "kube-probe/" + numbers.joined(separator: ".")
    }

    /// The node's name.
    public var nodeName: String { configuration.nodeName }

    /// Whether registration has completed (the Node and its Lease exist).
    public var isRegistered: Bool { state.withLock { $0.registered } }

    /// Registers the node, then watches the pods bound to it (field selector
    /// `spec.nodeName=NODE`) and its own Node object (`metadata.name=NODE`) with informers of its
    /// own, and runs them until the task is cancelled. Registration is retried until it succeeds.
    public func run() async throws {
        try await registerUntilDone()
        let informers = InformerFactory(client: client, logger: logger)
        informers.informer(CoreV1.Pod.self, fieldSelector: "spec.nodeName=\(nodeName)").addHandler(podHandler)
        informers.informer(CoreV1.Node.self, fieldSelector: "metadata.name=\(nodeName)").addHandler(nodeHandler)
        if configuration.serviceEnvironment {
            let services = informers.informer(CoreV1.Service.self)
            state.withLock { $0.services = services }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await informers.run() }
            group.addTask { await self.runCore() }
        }
        try Task.checkCancellation()
    }

    /// Feeds pod changes from an informer to this kubelet; pods bound to other nodes are ignored
    /// (so the handler also works on an informer of every pod).
    var podHandler: InformerHandler<CoreV1.Pod> {
        InformerHandler(
            onAdd: { self.upsertPod($0) }, onUpdate: { _, new in self.upsertPod(new) }, onDelete: { self.deletePod($0) })
    }

    /// Feeds changes of this kubelet's Node object from an informer; other nodes are ignored.
    var nodeHandler: InformerHandler<CoreV1.Node> {
        InformerHandler(onAdd: { self.nodeChanged($0) }, onUpdate: { _, new in self.nodeChanged(new) })
    }

    /// Runs heartbeats, runtime events and pod workers until cancelled; pods and node changes
    /// arrive through ``podHandler`` and ``nodeHandler``.
    func runCore() async {
        let events = runtime.containerEvents()
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.runLease() }
                group.addTask { await self.events.run() }
                group.addTask { await self.runVolumeResync() }
                group.addTask { await self.runNodeStatus() }
                if self.configuration.nodeResources.host != nil {
                    group.addTask { await self.runHousekeeping() }
                    group.addTask { await self.runGarbageCollection() }
                    group.addTask { await self.runPeriodicSync() }
                }
                group.addTask {
                    for await event in events where event.type == .stopped {
                        self.queue.add(.pod(event.pod.uid))
                    }
                }
                group.addTask {
                    await withDiscardingTaskGroup { workers in
                        while let work = await self.queue.next() {
                            workers.addTask {
                                switch work {
                                case .pod(let uid):
                                    let started = self.clock.elapsed
                                    await self.syncPod(uid)
                                    self.queue.done(work)
                                    self.syncRounds.synced(uid, startedAt: started)
                                case .node:
                                    await self.syncNode()
                                    self.queue.done(work)
                                }
                            }
                        }
                    }
                }
            }
        } onCancel: {
            self.queue.shutdown()
            self.probes.stopAll()
        }
    }

    /// Every `syncFrequency`, syncs every pod the kubelet knows (a round, timed by
    /// ``syncRounds``), so that runtime changes nothing announced still reach the API.
    func runPeriodicSync() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.nodeResources.syncFrequency)
            } catch {
                return
            }
            await syncAllPods()
        }
    }

    /// One full sync round over the pods known now.
    @discardableResult
    func syncAllPods() async -> Duration? {
        let uids = state.withLock { Set($0.pods.keys) }
        let took = await syncRounds.run(pods: uids, start: clock.elapsed, now: { clock.elapsed }) {
            for uid in uids { queue.add(.pod(uid)) }
        }
        if let took {
            logger.debug("synced every pod", metadata: ["pods": "\(uids.count)", "took": "\(took)"])
        }
        return took
    }

    // MARK: Input

    /// Records a new or changed pod and schedules a sync.
    func upsertPod(_ pod: CoreV1.Pod) {
        guard pod.spec?.nodeName == nodeName, let uid = pod.metadata.uid else { return }
        let changed = state.withLock { state -> Bool in
            if var entry = state.pods[uid] {
                if entry.pod == pod {
                    // Keep the informer's copy (a status write's answer is an equal but separate
                    // one), so that the pod is held once in the process.
                    entry.pod = pod
                    state.pods[uid] = entry
                    return false
                }
                if let old = entry.pod.metadata.resourceVersion.flatMap(Int.init),
                    let new = pod.metadata.resourceVersion.flatMap(Int.init), new < old {
                    return false
                }
                entry.pod = pod
                state.pods[uid] = entry
            } else {
                state.pods[uid] = PodEntry(pod: pod)
            }
            return true
        }
        if changed { queue.add(.pod(uid)) }
    }

    /// Records that a pod left the API and schedules its cleanup.
    func deletePod(_ pod: CoreV1.Pod) {
        guard let uid = pod.metadata.uid else { return }
        let known = state.withLock { state -> Bool in
            guard state.pods[uid] != nil else { return false }
            state.pods[uid]?.gone = true
            return true
        }
        if known { queue.add(.pod(uid)) }
    }

    /// Takes note of the node's current object and schedules ``syncNode()``.
    func nodeChanged(_ node: CoreV1.Node) {
        guard node.metadata.name == nodeName else { return }
        state.withLock { $0.node = node }
        queue.add(.node)
    }

    /// Acts on the latest Node object: a new pod CIDR reaches the runtime and pods that waited
    /// for it are synced.
    func syncNode() async {
        let newCIDR = state.withLock { state -> String? in
            guard let node = state.node else { return nil }
            let cidr = node.spec?.podCIDRs?.joined(separator: ",") ?? node.spec?.podCIDR
            guard let cidr, !cidr.isEmpty, cidr != state.podCIDR else { return nil }
            state.podCIDR = cidr
            return cidr
        }
        guard let newCIDR else { return }
        do {
            try await runtime.updateRuntimeConfig(CRI.RuntimeConfig(podCIDR: newCIDR))
            logger.info("pod CIDR set", metadata: ["podCIDR": "\(newCIDR)"])
        } catch {
            logger.error("runtime rejected the pod CIDR", metadata: ["podCIDR": "\(newCIDR)", "error": "\(error)"])
            return
        }
        await reportNodeStatus(force: false)
        let waiting = state.withLock { state in state.pods.filter { $0.value.sandboxID == nil }.map(\.key) }
        for uid in waiting { queue.add(.pod(uid)) }
    }
}
