import APIServer
import Controllers
import KubeClient
import Logging
import Scheduler

/// The scheduler and the controller manager of one server, running in-process against its
/// API server (no sockets, same authorization as remote components), each under leader
/// election so several servers can share one datastore with one active instance of each.
public struct ControlPlane: Sendable {
    /// What to run.
    public struct Options: Sendable {
        /// Run the scheduler.
        public var scheduler: Bool
        /// Run the controllers.
        public var controllers: Bool
        /// Campaign for a Lease before running (off for single in-process test clusters).
        public var leaderElection: Bool
        /// Settings of the controllers (cluster CIDR, root CA, ...).
        public var controllerOptions: ControllerOptions
        /// This server's identity in leader election.
        public var identity: String

        /// Creates options.
        public init(
            scheduler: Bool = true, controllers: Bool = true, leaderElection: Bool = true,
            controllerOptions: ControllerOptions = .init(), identity: String
        ) {
            self.scheduler = scheduler
            self.controllers = controllers
            self.leaderElection = leaderElection
            self.controllerOptions = controllerOptions
            self.identity = identity
        }
    }

    /// The identity the controller manager's shared informers read with.
    public static let controllerManagerUser = UserInfo(name: "system:kube-controller-manager", groups: ["system:authenticated"])

    let apiServer: KubeAPIServer
    let options: Options
    let logger: Logger

    /// Creates the control plane of `apiServer`.
    public init(apiServer: KubeAPIServer, options: Options, logger: Logger) {
        self.apiServer = apiServer
        self.options = options
        self.logger = logger
    }

    /// Waits for the API server, then runs the enabled components until cancelled.
    public func run() async throws {
        await apiServer.waitUntilReady()
        await withDiscardingTaskGroup { group in
            if options.scheduler {
                group.addTask { await runScheduler() }
            }
            if options.controllers {
                group.addTask { await runControllers() }
            }
        }
    }

    func runScheduler() async {
        let client = KubeClient(transport: apiServer.transport(as: .scheduler), userAgent: "kube-scheduler")
        await leading("kube-scheduler", client: client) {
            let informers = InformerFactory(client: client, logger: logger)
            let scheduler = Scheduler(client: client, informers: informers, logger: logger)
            await withDiscardingTaskGroup { group in
                group.addTask { await informers.run() }
                group.addTask {
                    do { try await scheduler.run() } catch { logger.error("scheduler stopped", metadata: ["error": "\(error)"]) }
                }
            }
        }
    }

    func runControllers() async {
        let client = KubeClient(transport: apiServer.transport(as: Self.controllerManagerUser), userAgent: "kube-controller-manager")
        let server = apiServer
        await leading("kube-controller-manager", client: client) {
            let context = ControllerContext(
                informers: InformerFactory(client: client, logger: logger),
                clientFor: { name in
                    KubeClient(
                        transport: server.transport(as: .serviceAccount(namespace: "kube-system", name: name)),
                        userAgent: "kube-controller-manager/\(name)")
                },
                options: options.controllerOptions, logger: logger)
            await ControllerManager(context: context, controllers: ControllerManager.standard(context: context)).run()
        }
    }

    /// Runs `work` while this server holds the Lease `name` (or always, without leader election).
    func leading(_ name: String, client: KubeClient, _ work: @escaping @Sendable () async -> Void) async {
        guard options.leaderElection else { return await work() }
        let elector = LeaderElector(client: client, name: name, identity: options.identity, logger: logger)
        do {
            try await elector.run { await work() }
        } catch {
            logger.error("leader election stopped", metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }
}
