import FoundationEssentials
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Keeps an ``Overlay`` in step with the cluster's Nodes: sets the overlay up once the local
/// Node has a pod CIDR, publishes the local node's Flannel annotations (``FlannelAnnotations``,
/// patched when they differ from what the node carries, so once in the steady state), and keeps
/// the overlay's peers equal to the other Nodes that have a pod CIDR and valid annotations.
///
/// Node changes from a shared informer are coalesced: each change marks the state dirty; one
/// loop waits ``Settings/debounce``, then reconciles, so reconciles never overlap and a burst of
/// changes costs one. The overlay is called only when what it should hold changed. A failed
/// step is retried with back-off (0.5 s doubling to 30 s); every ``Settings/resyncPeriod`` the
/// peers are set again anyway (the overlay re-reads the kernel and repairs what was removed). Stopping the controller (cancelling
/// ``run()``) leaves the overlay in place: a restarted agent picks it up without a gap;
/// ``Overlay/tearDown()`` is the caller's (k3s-killall's) business.
public final class OverlayController: Sendable {
    /// What the controller needs to know about the local node beyond its Node object.
    public struct Settings: Sendable, Hashable {
        /// The local node's name.
        public var nodeName: String
        /// The local node's addresses between nodes (one per family; its node IPs).
        public var publicIPs: [IPAddress]
        /// The interface between nodes (`--flannel-iface`), `nil` to find it.
        public var interface: String?
        /// How long to wait after a change before reconciling (changes in that time coalesce).
        public var debounce: Duration
        /// How often the peers are set again although nothing changed, repairing kernel state
        /// someone else removed; `.zero` never.
        public var resyncPeriod: Duration

        /// Creates settings.
        public init(
            nodeName: String, publicIPs: [IPAddress], interface: String? = nil, debounce: Duration = .milliseconds(100),
            resyncPeriod: Duration = .seconds(60)
        ) {
            self.nodeName = nodeName
            self.publicIPs = publicIPs
            self.interface = interface
            self.debounce = debounce
            self.resyncPeriod = resyncPeriod
        }
    }

    private struct State {
        var setUpFor: OverlayLocalNode?
        var attributes: OverlayAttributes?
        var peers: [OverlayPeer]?
        var rejections: [String: String] = [:]
        var reconciles = 0
        var resyncDue = false
        /// Callers of ``setUpAttributes()`` waiting for the first set-up, by ticket.
        var waiters: [Int: CheckedContinuation<OverlayAttributes, any Error>] = [:]
        var nextWaiter = 0
    }

    /// The settings.
    public let settings: Settings
    private let client: KubeClient
    private let informers: InformerFactory
    private let nodes: Informer<CoreV1.Node>
    private let overlay: any Overlay
    private let logger: Logger
    private let state = Mutex(State())

    /// Creates the controller; it registers its Node informer with `informers` now and runs
    /// it (with the factory's other informers) in ``run()``.
    public init(client: KubeClient, informers: InformerFactory, overlay: any Overlay, settings: Settings, logger: Logger) {
        self.client = client
        self.informers = informers
        self.nodes = informers.informer(CoreV1.Node.self)
        self.overlay = overlay
        self.settings = settings
        self.logger = logger
    }

    /// The attributes the overlay was last set up with (`nil` until the local Node has a pod
    /// CIDR and the set-up succeeded).
    public var attributes: OverlayAttributes? { state.withLock { $0.attributes } }

    /// Waits until the overlay is set up and returns its attributes (at once when it already is).
    ///
    /// - Throws: `CancellationError` when the calling task is cancelled first.
    public func setUpAttributes() async throws -> OverlayAttributes {
        let ticket = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let outcome: Result<OverlayAttributes, any Error>? = state.withLock { state in
                    if let attributes = state.attributes { return .success(attributes) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[ticket] = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume(throwing: CancellationError())
        }
    }

    /// How many reconciles have completed (successfully or not).
    public var reconcileCount: Int { state.withLock { $0.reconciles } }

    /// Runs the informers and the reconcile loop until the calling task is cancelled.
    public func run() async {
        let (signals, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let registration = nodes.addHandler(.any { _ in continuation.yield() })
        defer { nodes.removeHandler(registration) }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.informers.run() }
            group.addTask {
                var backoff = Duration.milliseconds(500)
                for await _ in signals {
                    if self.settings.debounce > .zero {
                        do { try await Task.sleep(for: self.settings.debounce) } catch { break }
                    }
                    if await self.reconcile() {
                        backoff = .milliseconds(500)
                    } else {
                        do { try await Task.sleep(for: backoff) } catch { break }
                        backoff = min(backoff * 2, .seconds(30))
                        continuation.yield()
                    }
                }
            }
            if settings.resyncPeriod > .zero {
                group.addTask {
                    while (try? await Task.sleep(for: self.settings.resyncPeriod)) != nil {
                        self.state.withLock { $0.resyncDue = true }
                        continuation.yield()
                    }
                }
            }
            group.addTask {
                await withTaskCancellationHandler {
                    let (never, keep) = AsyncStream<Never>.makeStream()
                    for await _ in never {}
                    keep.finish()
                } onCancel: {
                    continuation.finish()
                }
            }
        }
    }

    /// One pass: set-up, annotations, peers. Returns whether every step succeeded.
    @discardableResult
    func reconcile() async -> Bool {
        defer { state.withLock { $0.reconciles += 1 } }
        guard let own = nodes.lister.get(settings.nodeName) else { return true }
        let podCIDRs: [IPPrefix]
        do {
            podCIDRs = try FlannelAnnotations.podCIDRs(of: own)
        } catch {
            logger.error("the local node's pod CIDR is malformed", metadata: ["error": "\(error)"])
            return false
        }
        guard !podCIDRs.isEmpty else { return true }
        let local = OverlayLocalNode(name: settings.nodeName, podCIDRs: podCIDRs, publicIPs: settings.publicIPs, interface: settings.interface)
        do {
            var attributes = state.withLock { $0.setUpFor == local ? $0.attributes : nil }
            if attributes == nil {
                let made = try await overlay.setUp(local)
                let waiters = state.withLock { state in
                    state.setUpFor = local
                    state.attributes = made
                    state.peers = nil
                    defer { state.waiters = [:] }
                    return state.waiters.values
                }
                for waiter in waiters { waiter.resume(returning: made) }
                logger.info("overlay set up", metadata: ["backend": "\(overlay.backend.rawValue)", "podCIDRs": "\(podCIDRs)"])
                attributes = made
            }
            try await publish(FlannelAnnotations.annotations(for: attributes!), on: own)
            let peers = currentPeers()
            let resync = state.withLock { state in
                defer { state.resyncDue = false }
                return state.resyncDue
            }
            if resync || state.withLock({ $0.peers != peers }) {
                try await overlay.setPeers(peers)
                state.withLock { $0.peers = peers }
                logger.info("overlay peers set", metadata: ["peers": "\(peers.map(\.name))"])
            }
            return true
        } catch {
            logger.error("overlay reconcile failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Patches `annotations` onto the local Node when it does not carry them already.
    private func publish(_ annotations: [String: String], on node: CoreV1.Node) async throws {
        let current = node.metadata.annotations ?? [:]
        guard annotations.contains(where: { current[$0.key] != $0.value }) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try JSONValue(parsing: Array(try encoder.encode(["metadata": ["annotations": annotations]])))
        _ = try await client.resource(CoreV1.Node.self).patch(settings.nodeName, type: .strategicMerge, body: body)
        logger.info("published the overlay annotations", metadata: ["node": "\(settings.nodeName)"])
    }

    /// The other nodes that make valid peers, sorted by name; rejections are logged when a
    /// node's reason changes.
    private func currentPeers() -> [OverlayPeer] {
        var peers: [OverlayPeer] = []
        var rejections: [String: String] = [:]
        for node in nodes.lister.list() where node.metadata.name != settings.nodeName {
            do {
                peers.append(try FlannelAnnotations.peer(from: node))
            } catch {
                rejections[error.node] = error.reason
            }
        }
        let previous = state.withLock { state in
            defer { state.rejections = rejections }
            return state.rejections
        }
        for (node, reason) in rejections.sorted(by: { $0.key < $1.key }) where previous[node] != reason {
            logger.info("node is not an overlay peer", metadata: ["node": "\(node)", "reason": "\(reason)"])
        }
        return peers.sorted { $0.name < $1.name }
    }
}
