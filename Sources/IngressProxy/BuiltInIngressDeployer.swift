import KubeAPI
import KubeClient
import Logging
import NIOCore
import Synchronization

/// The default ``IngressDeployer``: the built-in proxy, run in the node process on the node's
/// host network (ports 80 and 443 unless configured otherwise), routing from the node's own
/// informers.
///
/// The server additionally calls ``ensureIngressClass(client:policy:)`` once, creates the
/// `LoadBalancer` Service that makes ServiceLB reserve the ports, and (in one process only)
/// turns on status writing with ``setLoadBalancerAddresses(_:)``.
public final class BuiltInIngressDeployer: IngressDeployer {
    /// The routes, compiled from the informers.
    public let routes: IngressRouteSource
    /// The proxy's listeners.
    public let server: IngressProxyServer
    /// The status writer, when status writing is on.
    public let statusWriter: IngressStatusWriter?
    private let events: EventRecorder?
    private let logger: Logger
    private let tasks = Mutex<Task<Void, Never>?>(nil)
    private let bound = Mutex<[IngressProxyServer.BoundListener]>([])

    /// Creates the deployer. `informers` is the node's shared factory (its owner runs it);
    /// `events` (run by its owner) gets Warning events about Ingresses that name a missing
    /// Service or Secret; `writeStatus` makes this process write Ingress status once
    /// ``setLoadBalancerAddresses(_:)`` gives the addresses.
    public init(
        configuration: IngressProxyConfiguration, client: KubeClient, informers: InformerFactory, events: EventRecorder?,
        group: any EventLoopGroup, writeStatus: Bool, logger: Logger
    ) throws {
        routes = IngressRouteSource(informers: informers, policy: configuration.classPolicy, events: events, logger: logger)
        let certificates = try IngressCertificateStore(defaultName: configuration.defaultCertificateName, logger: logger)
        server = IngressProxyServer(configuration: configuration, routes: routes, certificates: certificates, group: group, logger: logger)
        statusWriter = writeStatus ? IngressStatusWriter(client: client, routes: routes, logger: logger) : nil
        self.events = events
        self.logger = logger
    }

    /// Binds the listeners and starts following the informers. Call it once: after a failure
    /// (a port taken) the deployer has unregistered from the informers and is spent; make a new
    /// one to retry.
    public func start() async throws {
        let listeners: [IngressProxyServer.BoundListener]
        do {
            listeners = try await server.start()
        } catch {
            routes.close()
            throw error
        }
        bound.withLock { $0 = listeners }
        let routes = self.routes
        let writer = statusWriter
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await routes.run() }
                if let writer { group.addTask { await writer.run() } }
            }
        }
        tasks.withLock { $0 = task }
    }

    /// Closes the listeners, stops following the informers and unregisters from them.
    public func stop() async {
        let task = tasks.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
        await server.stop()
        routes.close()
    }

    /// The bound listeners (after ``start()``).
    public var listeners: [IngressProxyServer.BoundListener] { bound.withLock { $0 } }

    /// Sets the addresses written to `status.loadBalancer.ingress` of served Ingresses (when
    /// status writing is on).
    public func setLoadBalancerAddresses(_ addresses: [String]) {
        statusWriter?.setAddresses(addresses)
    }

    /// Creates the proxy's IngressClass (default class, `spec.controller` the policy's) if no
    /// IngressClass of that name exists; an existing one is left as it is.
    public static func ensureIngressClass(client: KubeClient, policy: IngressClassPolicy) async throws {
        let classes = client.resource(NetworkingV1.IngressClass.self)
        do {
            _ = try await classes.get(policy.className)
        } catch let error as StatusError where error.code == 404 {
            do {
                _ = try await classes.create(policy.ingressClass())
            } catch let error as StatusError where error.code == 409 {}
        }
    }
}
