import KubeAPI
import KubeClient
import Logging

/// Runs many hollow kubelets (`PREFIX-0`, `PREFIX-1`, ...) in one process, each with its own
/// `FakeRuntimeClient`, fed by one pod informer and one node informer (events are dispatched by
/// node name), like kubemark or KWOK.
///
/// Inside a server process the pool uses the process's shared ``InformerFactory`` (the same
/// informers as the scheduler and the controllers, so it holds no copy of its own); on its own
/// (a `k3s agent`) it lists and watches with its client only the pods bound to some node and
/// its own nodes.
public final class HollowNodePool: Sendable {
    /// Settings of a pool.
    public struct Configuration: Sendable {
        /// Node names are `namePrefix-INDEX`.
        public var namePrefix: String
        /// How many nodes.
        public var count: Int
        /// Settings every node starts from (`nodeName`, `nodeIP` and `podCIDR` are set per node,
        /// and `heartbeatJitter` is on).
        public var template: KubeletConfiguration
        /// The pod CIDR each node registers with, by index; `nil` leaves it to the node IPAM
        /// controller. The default gives node `i` the /24 `10.(42 + i / 256).(i % 256).0/24`.
        public var podCIDR: @Sendable (Int) -> String?
        /// The InternalIP of each node, by index. The default is `10.128.0.0` plus `i + 1`.
        public var nodeIP: @Sendable (Int) -> String
        /// Settings of every node's fake runtime.
        public var runtime: FakeRuntimeClient.Configuration
        /// How many registrations run at once.
        public var registrationConcurrency: Int
        /// The client each node writes its own Node, Lease and pod statuses with (each joined
        /// node has its own identity); `nil` or a `nil` answer uses the pool's shared client.
        public var clientFor: (@Sendable (String) -> KubeClient?)?

        /// Default pod CIDRs are the /24s of this range, from `10.42.0.0/24` (node 0) up.
        static let defaultPodCIDRs = try! IPPrefix(parsing: "10.0.0.0/8")
        /// The index of node 0's pod CIDR among the /24s of ``defaultPodCIDRs``.
        static let firstDefaultPodCIDR = defaultPodCIDRs.index(ofSubnet: try! IPPrefix(parsing: "10.42.0.0/24"))!
        /// Default node IPs count up from `10.128.0.1` (node 0).
        static let defaultNodeIPs = try! IPPrefix(parsing: "10.128.0.0/9")

        /// Creates pool settings.
        public init(
            namePrefix: String = "hollow", count: Int, template: KubeletConfiguration? = nil,
            podCIDR: (@Sendable (Int) -> String?)? = nil, nodeIP: (@Sendable (Int) -> String)? = nil,
            runtime: FakeRuntimeClient.Configuration = FakeRuntimeClient.Configuration(), registrationConcurrency: Int = 64,
            clientFor: (@Sendable (String) -> KubeClient?)? = nil
        ) {
            self.clientFor = clientFor
            self.namePrefix = namePrefix
            self.count = count
            self.template = template ?? KubeletConfiguration(nodeName: namePrefix)
            self.podCIDR = podCIDR ?? { index in Self.defaultPodCIDRs.subnet(at: Self.firstDefaultPodCIDR + UInt128(index), length: 24)?.description }
            self.nodeIP = nodeIP ?? { index in
                Self.defaultNodeIPs.address(at: UInt128(index + 1))?.description ?? Self.defaultNodeIPs.lastAddress.description
            }
            self.runtime = runtime
            self.registrationConcurrency = max(1, registrationConcurrency)
        }
    }

    /// The label every pool node carries (value: the name prefix); the node watch selects on it.
    public static let poolLabel = "hollow.k3s.io/pool"

    /// The pool's settings.
    public let configuration: Configuration
    /// The kubelets, by index.
    public let kubelets: [Kubelet]
    private let byName: [String: Kubelet]
    private let client: KubeClient
    private let sharedInformers: InformerFactory?
    private let logger: Logger

    /// Creates the kubelets; nothing is registered until `registerAll()` or `run()`.
    ///
    /// - Parameters:
    ///   - client: lists and watches pods and nodes when `informers` is `nil`; writes for every
    ///     node that `Configuration.clientFor` gives no client of its own.
    ///   - informers: the process's shared factory; its (unselected) pod and node informers feed
    ///     the pool. `nil` makes the pool a factory of its own over `client`.
    public init(
        client: KubeClient, configuration: Configuration, informers: InformerFactory? = nil, clock: KubeletClock = .continuous,
        logger: Logger
    ) {
        self.configuration = configuration
        self.client = client
        self.sharedInformers = informers
        self.logger = logger
        var kubelets: [Kubelet] = []
        for index in 0..<max(0, configuration.count) {
            var node = configuration.template
            node.nodeName = "\(configuration.namePrefix)-\(index)"
            node.hostname = node.nodeName
            node.nodeIP = configuration.nodeIP(index)
            node.podCIDR = configuration.podCIDR(index)
            node.labels[Self.poolLabel] = configuration.namePrefix
            node.heartbeatJitter = true
            let runtime = FakeRuntimeClient(configuration: configuration.runtime, clock: clock)
            let nodeClient = configuration.clientFor?(node.nodeName) ?? client
            kubelets.append(Kubelet(
                client: nodeClient, configuration: node, runtime: runtime, clock: clock, logger: logger, probeDialer: HollowProbeDialer()))
        }
        self.kubelets = kubelets
        self.byName = Dictionary(uniqueKeysWithValues: kubelets.map { ($0.nodeName, $0) })
    }

    /// The kubelet of the named node.
    public func kubelet(named name: String) -> Kubelet? { byName[name] }

    /// Registers every node (Node and Lease), `registrationConcurrency` at a time.
    /// - Throws: the first registration error.
    public func registerAll() async throws {
        try await registerAll(retrying: false)
    }

    private func registerAll(retrying: Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            let width = configuration.registrationConcurrency
            while next < kubelets.count && next < width {
                let kubelet = kubelets[next]
                group.addTask { try await (retrying ? kubelet.registerUntilDone() : kubelet.register()) }
                next += 1
            }
            while try await group.next() != nil {
                if next < kubelets.count {
                    let kubelet = kubelets[next]
                    group.addTask { try await (retrying ? kubelet.registerUntilDone() : kubelet.register()) }
                    next += 1
                }
            }
        }
    }

    /// Registers every node (retrying failures, like a kubelet does), then runs them all, fed by
    /// one pod informer and one node informer, until the task is cancelled.
    public func run() async throws {
        try await registerAll(retrying: true)
        let informers = sharedInformers ?? InformerFactory(client: client, logger: logger)
        let pods: Informer<CoreV1.Pod>
        let nodes: Informer<CoreV1.Node>
        if sharedInformers != nil {
            pods = informers.informer(CoreV1.Pod.self)
            nodes = informers.informer(CoreV1.Node.self)
        } else {
            pods = informers.informer(CoreV1.Pod.self, fieldSelector: "spec.nodeName!=")
            nodes = informers.informer(CoreV1.Node.self, labelSelector: "\(Self.poolLabel)=\(configuration.namePrefix)")
        }
        let byName = self.byName
        let kubelet: @Sendable (CoreV1.Pod) -> Kubelet? = { byName[$0.spec?.nodeName ?? ""] }
        let podRegistration = pods.addHandler(InformerHandler(
            onAdd: { kubelet($0)?.upsertPod($0) },
            onUpdate: { _, new in kubelet(new)?.upsertPod(new) },
            onDelete: { kubelet($0)?.deletePod($0) }))
        let nodeRegistration = nodes.addHandler(InformerHandler(
            onAdd: { byName[$0.metadata.name ?? ""]?.nodeChanged($0) },
            onUpdate: { _, new in byName[new.metadata.name ?? ""]?.nodeChanged(new) }))
        defer {
            pods.removeHandler(podRegistration)
            nodes.removeHandler(nodeRegistration)
        }
        await withDiscardingTaskGroup { group in
            // A shared factory keeps running while any of its users runs it.
            group.addTask { await informers.run() }
            for kubelet in kubelets {
                group.addTask { await kubelet.runCore() }
            }
        }
        try Task.checkCancellation()
    }
}
