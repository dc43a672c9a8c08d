import KubeAPI
import KubeClient
import Logging
import NFTables
import Synchronization

/// The NetworkPolicy enforcement of one node: watches NetworkPolicies, pods and namespaces and
/// keeps the node's policy table (``PolicyRuleRenderer``) in step for the node's own pods.
///
/// Every sync compiles the whole model and, when the result differs from what was last applied,
/// replaces the table in one `nft -f` transaction (created, deleted and re-created inside it, so
/// the kernel never holds half a rule set). Changes are collected for ``debounce`` after the
/// first of a burst; the first sync, once all three informers have listed, always applies; a
/// failed sync is retried after ``retryDelay``.
public final class NetworkPolicyController: Sendable {
    /// The node's settings.
    public let configuration: NetworkPolicyConfiguration
    /// How long changes are collected before a sync.
    public let debounce: Duration
    /// How long to wait before retrying a failed sync.
    public let retryDelay: Duration
    /// The renderer of the table.
    public let renderer: PolicyRuleRenderer
    private let informers: InformerFactory
    private let runner: any NFTablesRunner
    private let bridgeNetfilter: BridgeNetfilter?
    private let logger: Logger
    private let state = Mutex(NetworkPolicySyncStatus())
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// Creates a controller that reads through `informers` (shared with the rest of the process,
    /// or its own) and applies with `runner`. `bridgeNetfilter` is turned on at the start of
    /// ``run()`` (`nil`: the caller sees to it, as a test with a fake runner does).
    public init(
        configuration: NetworkPolicyConfiguration, informers: InformerFactory, runner: any NFTablesRunner,
        bridgeNetfilter: BridgeNetfilter? = BridgeNetfilter(), debounce: Duration = .milliseconds(100),
        retryDelay: Duration = .seconds(1), logger: Logger
    ) {
        self.configuration = configuration
        self.renderer = PolicyRuleRenderer(tableName: configuration.tableName)
        self.informers = informers
        self.runner = runner
        self.bridgeNetfilter = bridgeNetfilter
        self.debounce = debounce
        self.retryDelay = retryDelay
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// What the controller has done so far.
    public var status: NetworkPolicySyncStatus { state.withLock { $0 } }

    /// Turns on bridge netfilter, then watches and syncs until the task is cancelled. Call it
    /// once per controller; call ``tearDown()`` after it returns to remove the table.
    public func run() async {
        if let bridgeNetfilter {
            do {
                try await bridgeNetfilter.enable()
            } catch {
                // Routed traffic is still filtered; pod-to-pod traffic on this node is not.
                logger.error("NetworkPolicy: bridge netfilter could not be enabled", metadata: ["error": "\(error)"])
                state.withLock { $0.lastError = "\(error)" }
            }
        }
        let pods = informers.informer(CoreV1.Pod.self)
        let namespaces = informers.informer(CoreV1.Namespace.self)
        let policies = informers.informer(NetworkingV1.NetworkPolicy.self)
        // Updates wake the loop only when they change what the model reads (a pod's readiness or
        // a namespace's annotations do not).
        let registrations = (
            pods.addHandler(wakeHandler { PolicyPod($0) }),
            namespaces.addHandler(wakeHandler { $0.metadata.labels }),
            policies.addHandler(wakeHandler { $0.spec })
        )
        defer {
            pods.removeHandler(registrations.0)
            namespaces.removeHandler(registrations.1)
            policies.removeHandler(registrations.2)
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.informers.run() }
            group.addTask {
                await pods.waitForSync()
                await namespaces.waitForSync()
                await policies.waitForSync()
                await self.syncLoop(pods: pods.lister, namespaces: namespaces.lister, policies: policies.lister)
            }
        }
    }

    /// A handler that wakes the sync loop for every addition and deletion, and for updates that
    /// change `relevant`.
    private func wakeHandler<Object: Sendable, Relevant: Equatable>(
        _ relevant: @escaping @Sendable (Object) -> Relevant
    ) -> InformerHandler<Object> {
        InformerHandler(
            onAdd: { [weak self] _ in self?.wake.yield() },
            onUpdate: { [weak self] old, new in if relevant(old) != relevant(new) { self?.wake.yield() } },
            onDelete: { [weak self] _ in self?.wake.yield() })
    }

    /// Removes the policy table (all pods then allow everything). Safe when it is not there.
    public func tearDown() async throws {
        try await runner.apply(renderer.removalScript)
        state.withLock { $0.appliedScript = nil }
    }

    /// The model of what the listers hold now.
    static func model(
        pods: Lister<CoreV1.Pod>, namespaces: Lister<CoreV1.Namespace>, policies: Lister<NetworkingV1.NetworkPolicy>
    ) -> NetworkPolicyModel {
        var labels: [String: [String: String]] = [:]
        for namespace in namespaces.list() {
            guard let name = namespace.metadata.name else { continue }
            labels[name] = namespace.metadata.labels ?? [:]
        }
        return NetworkPolicyModel(policies: policies.list(), pods: pods.list().compactMap(PolicyPod.init), namespaceLabels: labels)
    }

    /// Compiles, renders and applies when the script changed (always when `force`).
    func sync(_ model: NetworkPolicyModel, force: Bool) async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let (rules, problems) = model.rules(nodeName: configuration.nodeName, podCIDRs: configuration.podCIDRs)
        let script = renderer.script(for: rules)
        let (unchanged, newProblems) = state.withLock { state in
            defer { state.problems = problems }
            return (state.appliedScript == script, problems.filter { !state.problems.contains($0) })
        }
        for problem in newProblems { logger.warning("\(problem)") }
        if unchanged && !force {
            state.withLock { $0.evaluatedSyncs += 1 }
            return
        }
        try await runner.apply(script)
        let took = clock.now - started
        state.withLock {
            $0.appliedScript = script
            $0.lastSyncDuration = took
            $0.appliedSyncs += 1
            $0.evaluatedSyncs += 1
            $0.lastError = nil
            $0.isolatedPods = rules.count
        }
        logger.debug("NetworkPolicy synced", metadata: ["isolated pods": "\(rules.count)", "took": "\(took)"])
    }

    private func syncLoop(pods: Lister<CoreV1.Pod>, namespaces: Lister<CoreV1.Namespace>, policies: Lister<NetworkingV1.NetworkPolicy>) async {
        var force = true
        var wakeups = self.wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            if !force {
                guard await wakeups.next() != nil else { return }
                do { try await Task.sleep(for: debounce) } catch { return }
            }
            do {
                try await sync(Self.model(pods: pods, namespaces: namespaces, policies: policies), force: force)
                force = false
            } catch {
                logger.warning("NetworkPolicy sync failed; retrying", metadata: ["error": "\(error)"])
                state.withLock { $0.lastError = "\(error)" }
                do { try await Task.sleep(for: retryDelay) } catch { return }
                force = true
            }
        }
    }
}
