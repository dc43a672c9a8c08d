import APIServer
import Controllers
import KubeClient
import Logging
import Scheduler

/// The scheduler and the controller manager of one server, running in-process against its
/// API server (no sockets, same authorization as remote components), each under leader
/// election so several servers can share one datastore with one active instance of each.
///
/// Both read through one ``InformerFactory`` for the whole process (``informers``), which the
/// in-process hollow kubelets share too: every resource is listed, watched and cached once.
/// The shared informers read as ``sharedInformerUser``; each component writes with its own
/// identity.
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

    /// The controller manager's identity (leader election).
    public static let controllerManagerUser = UserInfo(name: "system:kube-controller-manager", groups: ["system:authenticated"])

    /// The privileged in-process identity the process's shared informers list and watch with
    /// (they read every resource on behalf of all the components of the process).
    public static let sharedInformerUser = UserInfo(name: "system:k3s-shared-informers", groups: ["system:masters", "system:authenticated"])

    let apiServer: KubeAPIServer
    let options: Options
    /// The informers every component of this process shares.
    public let informers: InformerFactory
    let logger: Logger

    /// Creates the control plane of `apiServer`, reading through `informers` (by default a new
    /// ``sharedInformers(of:logger:)`` factory; pass the process's own when other components
    /// share it).
    public init(apiServer: KubeAPIServer, options: Options, informers: InformerFactory? = nil, logger: Logger) {
        self.apiServer = apiServer
        self.options = options
        self.informers = informers ?? Self.sharedInformers(of: apiServer, logger: logger)
        self.logger = logger
    }

    /// A factory for the informers of every component of one process, over the in-process
    /// transport as ``sharedInformerUser``. Make one per process.
    public static func sharedInformers(of apiServer: KubeAPIServer, logger: Logger) -> InformerFactory {
        let client = KubeClient(transport: apiServer.transport(as: sharedInformerUser), userAgent: "k3s/shared-informers")
        return InformerFactory(client: client, logger: logger)
    }

    /// Waits for the API server, then runs the shared informers and the enabled components
    /// until cancelled.
    public func run() async throws {
        await apiServer.waitUntilReady()
        await withDiscardingTaskGroup { group in
            group.addTask { await informers.run() }
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
            let scheduler = Scheduler(client: client, informers: informers, logger: logger)
            do { try await scheduler.run() } catch { logger.error("scheduler stopped", metadata: ["error": "\(error)"]) }
        }
    }

    func runControllers() async {
        let client = KubeClient(transport: apiServer.transport(as: Self.controllerManagerUser), userAgent: "kube-controller-manager")
        let server = apiServer
        await leading("kube-controller-manager", client: client) {
            let context = ControllerContext(
                informers: informers,
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
    /// The informer handlers a term of `work` adds are removed when it ends (the shared informers
    /// outlive it).
    func leading(_ name: String, client: KubeClient, _ work: @escaping @Sendable () async -> Void) async {
        guard options.leaderElection else { return await InformerHandlerScope.run { await work() } }
        let elector = LeaderElector(client: client, name: name, identity: options.identity, logger: logger)
        do {
            try await elector.run { await InformerHandlerScope.run { await work() } }
        } catch {
            logger.error("leader election stopped", metadata: ["lease": "\(name)", "error": "\(error)"])
        }
    }
}
