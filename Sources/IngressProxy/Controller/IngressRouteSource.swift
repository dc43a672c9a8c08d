import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Compiles the routes from a node's informers (IngressClass, Ingress, Service, EndpointSlice,
/// Secret) and keeps them current: any change marks the table stale and ``run()`` recompiles
/// it once per burst of changes.
///
/// A newly found problem of an Ingress (missing Service or Secret, unknown port) is recorded as
/// a Warning event on it when an ``EventRecorder`` is given; the request itself gets a 503 (or
/// the default certificate), never a failure of the proxy.
public final class IngressRouteSource: IngressRouteProvider {
    private let policy: IngressClassPolicy
    private let classes: Informer<NetworkingV1.IngressClass>
    private let ingresses: Informer<NetworkingV1.Ingress>
    private let services: Informer<CoreV1.Service>
    private let slices: Informer<DiscoveryV1.EndpointSlice>
    private let secrets: Informer<CoreV1.Secret>
    private let events: EventRecorder?
    private let logger: Logger
    private let table = Mutex(IngressRouteTable())
    private let reported = Mutex<Set<IngressRouteCompiler.Problem>>([])
    private let compiled = Mutex<(count: Int, observers: [@Sendable () -> Void])>((0, []))
    private let wake: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private let removeHandlers: @Sendable () -> Void

    /// The EndpointSlice index by `namespace/service`.
    static let sliceIndex = "ingress-service"

    /// Requests the informers from `informers` (whose owner runs the factory) and registers
    /// the handlers; nothing is compiled until ``run()``.
    public init(informers: InformerFactory, policy: IngressClassPolicy, events: EventRecorder?, logger: Logger) {
        self.policy = policy
        classes = informers.informer(NetworkingV1.IngressClass.self)
        ingresses = informers.informer(NetworkingV1.Ingress.self)
        services = informers.informer(CoreV1.Service.self)
        slices = informers.informer(DiscoveryV1.EndpointSlice.self)
        secrets = informers.informer(CoreV1.Secret.self)
        self.events = events
        self.logger = logger
        (wake, wakeContinuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        slices.addIndex(Self.sliceIndex) { slice in
            guard let service = slice.metadata.labels?["kubernetes.io/service-name"] else { return [] }
            return ["\(slice.metadata.namespace ?? "default")/\(service)"]
        }
        let continuation = wakeContinuation
        let (classes, ingresses, services, slices, secrets) = (classes, ingresses, services, slices, secrets)
        let registrations = [
            classes.addHandler(.any { _ in _ = continuation.yield() }),
            ingresses.addHandler(.any { _ in _ = continuation.yield() }),
            services.addHandler(.any { _ in _ = continuation.yield() }),
            slices.addHandler(.any { _ in _ = continuation.yield() }),
            secrets.addHandler(.any { secret in
                if secret.type == IngressRouteCompiler.tlsSecretType { _ = continuation.yield() }
            }),
        ]
        removeHandlers = {
            classes.removeHandler(registrations[0])
            ingresses.removeHandler(registrations[1])
            services.removeHandler(registrations[2])
            slices.removeHandler(registrations[3])
            secrets.removeHandler(registrations[4])
        }
    }

    /// Unregisters the informer handlers (the shared informers run on for other components).
    public func close() {
        removeHandlers()
        wakeContinuation.finish()
    }

    public var currentTable: IngressRouteTable { table.withLock { $0 } }

    /// The Ingresses served now (from the cache).
    public func servedIngresses() -> [NetworkingV1.Ingress] {
        policy.served(ingresses.lister.list(), classes: classes.lister.list())
    }

    /// How many times the table has been compiled.
    public var compilations: Int { compiled.withLock { $0.count } }

    /// Calls `observer` after every compilation (from the task running ``run()``; keep it
    /// short).
    public func addCompilationObserver(_ observer: @escaping @Sendable () -> Void) {
        compiled.withLock { $0.observers.append(observer) }
    }

    /// Waits for the informers' first lists, compiles, then recompiles on every change until
    /// the task is cancelled.
    public func run() async {
        await classes.waitForSync()
        await ingresses.waitForSync()
        await services.waitForSync()
        await slices.waitForSync()
        await secrets.waitForSync()
        if Task.isCancelled { return }
        await withTaskCancellationHandler {
            compile()
            for await _ in wake {
                compile()
            }
        } onCancel: {
            wakeContinuation.finish()
        }
    }

    /// Compiles the table from the caches now.
    func compile() {
        let served = servedIngresses()
        let services = services.lister
        let slices = slices.lister
        let secrets = secrets.lister
        let lookup = IngressRouteCompiler.Lookup(
            service: { namespace, name in services.get(name, namespace: namespace) },
            endpointSlices: { namespace, name in slices.byIndex(Self.sliceIndex, "\(namespace)/\(name)") },
            secret: { namespace, name in secrets.get(name, namespace: namespace) })
        let (newTable, problems) = IngressRouteCompiler.compile(served, lookup: lookup)
        table.withLock { $0 = newTable }
        report(Set(problems), served: served)
        let observers = compiled.withLock { state in
            state.count += 1
            return state.observers
        }
        for observer in observers { observer() }
    }

    /// Records an event for each problem not reported by the previous compilation.
    private func report(_ problems: Set<IngressRouteCompiler.Problem>, served: [NetworkingV1.Ingress]) {
        let new = reported.withLock { reported in
            defer { reported = problems }
            return problems.subtracting(reported)
        }
        guard !new.isEmpty else { return }
        var byKey: [String: NetworkingV1.Ingress] = [:]
        for ingress in served { byKey["\(ingress.metadata.namespace ?? "default")/\(ingress.metadata.name ?? "")"] = ingress }
        for problem in new.sorted(by: { ($0.ingress, $0.reason, $0.message) < ($1.ingress, $1.reason, $1.message) }) {
            logger.warning("ingress problem", metadata: ["ingress": "\(problem.ingress)", "reason": "\(problem.reason)", "message": "\(problem.message)"])
            if let events, let ingress = byKey[problem.ingress] {
                events.record(ingress, type: .warning, reason: problem.reason, message: problem.message)
            }
        }
    }
}
