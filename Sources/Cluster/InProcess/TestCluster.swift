import APIServer
import Controllers
import Crypto
import Datastore
import KubeAPI
import KubeClient
import Kubelet
import Logging

/// The in-process cluster: a whole cluster in one process for tests and tools (`k3s-bench
/// cluster`): an in-memory datastore, the API server, the scheduler, every controller and hollow
/// nodes (kubelets over a fake runtime), wired with in-process transports: no sockets, no TLS,
/// no files. It is part of `Cluster` (a library the benchmark links), not of the
/// `ClusterTesting` target, which holds only test support built on Swift Testing (the
/// conformance suites and `TestAPIServer`).
///
/// The scheduler, the controllers and the hollow nodes read through one shared
/// ``informers`` factory; each hollow node writes as its own `system:node:<name>` identity, so
/// the node authorizer checks its requests as it would a joined node's.
///
/// ```swift
/// try await TestCluster.run(nodes: 3) { cluster in
///     let deployments = cluster.client.resource(AppsV1.Deployment.self)
///     _ = try await deployments.create(myDeployment, namespace: "default")
///     try await cluster.waitUntil { ... }
/// }
/// ```
public final class TestCluster: Sendable {
    /// How to build the cluster.
    public struct Options: Sendable {
        /// How many hollow nodes (`node-0`, `node-1`, ...).
        public var nodes: Int
        /// The prefix of node names.
        public var nodeNamePrefix: String
        /// Settings of every node (capacity, ...); name and addresses are set per node.
        public var nodeTemplate: KubeletConfiguration?
        /// Settings of the hollow runtime (how long hollow containers run).
        public var runtime: FakeRuntimeClient.Configuration
        /// Run the scheduler.
        public var scheduler: Bool
        /// Run the controllers.
        public var controllers: Bool
        /// Controller settings (cluster CIDR, node grace period, ...).
        public var controllerOptions: ControllerOptions

        /// Creates options.
        public init(
            nodes: Int = 3, nodeNamePrefix: String = "node", nodeTemplate: KubeletConfiguration? = nil,
            runtime: FakeRuntimeClient.Configuration = .init(), scheduler: Bool = true, controllers: Bool = true,
            controllerOptions: ControllerOptions = .init()
        ) {
            self.nodes = nodes
            self.nodeNamePrefix = nodeNamePrefix
            self.nodeTemplate = nodeTemplate
            self.runtime = runtime
            self.scheduler = scheduler
            self.controllers = controllers
            self.controllerOptions = controllerOptions
        }
    }

    /// The API server.
    public let apiServer: KubeAPIServer
    /// Its datastore.
    public let datastore: InMemoryDatastore
    /// The hollow nodes.
    public let nodes: HollowNodePool
    /// The informers the scheduler, the controllers and the hollow nodes share (running while
    /// the cluster runs); tools that watch the cluster can read through them too.
    public let informers: InformerFactory
    /// A cluster administrator's client.
    public let client: KubeClient
    private let tasks: [Task<Void, Never>]
    private let serverTask: Task<Void, any Error>

    private init(
        apiServer: KubeAPIServer, datastore: InMemoryDatastore, nodes: HollowNodePool, informers: InformerFactory,
        tasks: [Task<Void, Never>], serverTask: Task<Void, any Error>
    ) {
        self.apiServer = apiServer
        self.datastore = datastore
        self.nodes = nodes
        self.informers = informers
        self.client = KubeClient(transport: apiServer.transport(as: .admin), userAgent: "test-cluster")
        self.tasks = tasks
        self.serverTask = serverTask
    }

    /// Starts a cluster, runs `body` with it, and stops it afterwards (also when `body` throws).
    public static func run<T: Sendable>(
        nodes: Int = 3, options: Options = .init(), logger: Logger = TestCluster.quietLogger,
        _ body: (TestCluster) async throws -> T
    ) async throws -> T {
        var options = options
        options.nodes = nodes
        let cluster = try await start(options: options, logger: logger)
        do {
            let result = try await body(cluster)
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// Starts a cluster and returns once its nodes are registered and Ready.
    public static func start(options: Options, logger: Logger = TestCluster.quietLogger) async throws -> TestCluster {
        let datastore = InMemoryDatastore()
        let apiServer = try KubeAPIServer(
            configuration: .init(host: "127.0.0.1", port: 0, tls: nil, serviceAccountKey: .es256(P256.Signing.PrivateKey())),
            datastore: datastore, logger: logger)
        let serverTask = Task { try await apiServer.run() }
        await apiServer.waitUntilReady()

        let informers = ControlPlane.sharedInformers(of: apiServer, logger: logger)
        let controlPlane = ControlPlane(
            apiServer: apiServer,
            options: .init(
                scheduler: options.scheduler, controllers: options.controllers, leaderElection: false,
                controllerOptions: options.controllerOptions, identity: "test-cluster"),
            informers: informers, logger: logger)
        var template = options.nodeTemplate ?? KubeletConfiguration(nodeName: options.nodeNamePrefix)
        template.nodeName = options.nodeNamePrefix
        let pool = HollowNodePool(
            client: KubeClient(transport: apiServer.transport(as: .admin), userAgent: "hollow-kubelet"),
            configuration: .init(
                namePrefix: options.nodeNamePrefix, count: options.nodes, template: template, runtime: options.runtime,
                clientFor: { name in
                    KubeClient(transport: apiServer.transport(as: .node(name)), userAgent: "hollow-kubelet/\(name)")
                }),
            informers: informers, logger: logger)
        var tasks: [Task<Void, Never>] = []
        tasks.append(Task {
            do { try await controlPlane.run() } catch { logger.error("control plane stopped", metadata: ["error": "\(error)"]) }
        })
        tasks.append(Task {
            do { try await pool.run() } catch { logger.error("hollow nodes stopped", metadata: ["error": "\(error)"]) }
        })
        let cluster = TestCluster(
            apiServer: apiServer, datastore: datastore, nodes: pool, informers: informers, tasks: tasks, serverTask: serverTask)
        do {
            try await cluster.waitForReadyNodes(options.nodes)
        } catch {
            await cluster.stop()
            throw error
        }
        return cluster
    }

    /// A client whose requests run as `user`.
    public func client(as user: UserInfo) -> KubeClient {
        KubeClient(transport: apiServer.transport(as: user), userAgent: "test-cluster")
    }

    /// Polls `condition` until it returns `true` (KubeClient's `pollUntil`: a condition that
    /// throws counts as not yet true); throws ``TestClusterError`` when `timeout` passes first.
    public func waitUntil(
        timeout: Duration = .seconds(30), _ what: String = "condition", _ condition: @Sendable () async throws -> Bool
    ) async throws {
        do {
            let _: Void = try await pollUntil(what, timeout: timeout, interval: .milliseconds(50)) { try await condition() ? () : nil }
        } catch let expired as PollTimeout {
            throw TestClusterError(expired.description)
        }
    }

    /// Waits until `count` nodes report Ready.
    public func waitForReadyNodes(_ count: Int, timeout: Duration = .seconds(30)) async throws {
        let nodes = client.resource(CoreV1.Node.self)
        try await waitUntil(timeout: timeout, "\(count) Ready nodes") {
            let list = try await nodes.list()
            return list.items.filter { node in
                node.status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } == true
            }.count >= count
        }
    }

    /// Stops every component and the API server.
    public func stop() async {
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        apiServer.shutdown()
        _ = await serverTask.result
    }

    /// A logger that discards everything (the default for tests).
    public static let quietLogger = Logger(label: "test-cluster", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A test cluster failed to reach the state a test waited for.
public struct TestClusterError: Error, CustomStringConvertible, Sendable {
    /// What did not happen.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
