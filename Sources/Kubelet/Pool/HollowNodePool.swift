import KubeAPI
import KubeClient
import Logging

/// Runs many hollow kubelets (`PREFIX-0`, `PREFIX-1`, ...) in one process, each with its own
/// `FakeRuntimeClient`, sharing one `KubeClient`, one pod watch and one node watch (events are
/// dispatched by node name), like kubemark or KWOK.
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
    private let clock: KubeletClock
    private let logger: Logger

    /// Creates the kubelets; nothing is registered until `registerAll()` or `run()`.
    public init(client: KubeClient, configuration: Configuration, clock: KubeletClock = .continuous, logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.clock = clock
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
            kubelets.append(Kubelet(client: nodeClient, configuration: node, runtime: runtime, clock: clock, logger: logger))
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

    /// Registers every node (retrying failures, like a kubelet does), then runs them all with one
    /// shared pod watch and one shared node watch until the task is cancelled.
    public func run() async throws {
        try await registerAll(retrying: true)
        let pods = ListWatcher(
            resource: client.resource(CoreV1.Pod.self), labelSelector: nil, fieldSelector: "spec.nodeName!=",
            clock: clock, logger: logger)
        let nodes = ListWatcher(
            resource: client.resource(CoreV1.Node.self), labelSelector: "\(Self.poolLabel)=\(configuration.namePrefix)",
            fieldSelector: nil, clock: clock, logger: logger)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await pods.run { change in
                    switch change {
                    case .replace(let list):
                        var grouped: [String: [CoreV1.Pod]] = [:]
                        for pod in list { grouped[pod.spec?.nodeName ?? "", default: []].append(pod) }
                        for kubelet in self.kubelets { kubelet.replacePods(grouped[kubelet.nodeName] ?? []) }
                    case .upsert(let pod):
                        self.byName[pod.spec?.nodeName ?? ""]?.upsertPod(pod)
                    case .delete(let pod):
                        self.byName[pod.spec?.nodeName ?? ""]?.deletePod(pod)
                    }
                }
            }
            group.addTask {
                await nodes.run { change in
                    switch change {
                    case .replace(let list):
                        for node in list { await self.byName[node.metadata.name ?? ""]?.nodeChanged(node) }
                    case .upsert(let node):
                        await self.byName[node.metadata.name ?? ""]?.nodeChanged(node)
                    case .delete:
                        break
                    }
                }
            }
            for kubelet in kubelets {
                group.addTask { await kubelet.runCore() }
            }
        }
        try Task.checkCancellation()
    }
}
