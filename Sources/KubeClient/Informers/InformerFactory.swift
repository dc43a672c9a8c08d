import KubeAPI
import Logging
import Synchronization

/// Shares one informer per kind (and namespace/selectors) among every controller of a process,
/// so a kind is listed and watched once however many loops read it.
public final class InformerFactory: Sendable {
    private struct Key: Hashable {
        var type: ObjectIdentifier
        var namespace: String?
        var labelSelector: String?
        var fieldSelector: String?
    }

    private struct State {
        var informers: [Key: any RunnableInformer] = [:]
        var running: AsyncStream<any RunnableInformer>.Continuation?
    }

    /// The client informers list and watch with.
    public let client: KubeClient
    let resyncPeriod: Duration
    let logger: Logger
    private let state = Mutex(State())

    /// Creates a factory.
    public init(client: KubeClient, resyncPeriod: Duration = .zero, logger: Logger = Logger(label: "informers")) {
        self.client = client
        self.resyncPeriod = resyncPeriod
        self.logger = logger
    }

    /// The shared informer of a built-in kind.
    public func informer<Object: KubernetesObject>(
        _ type: Object.Type, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil
    ) -> Informer<Object> {
        informer(client.resource(type), namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
    }

    /// The shared informer over `resource` (a kind with an explicit scope).
    public func informer<Object: KubernetesObject>(
        _ resource: ResourceClient<Object>, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil
    ) -> Informer<Object> {
        let key = Key(type: ObjectIdentifier(Object.self), namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
        let (informer, start) = state.withLock { state -> (Informer<Object>, AsyncStream<any RunnableInformer>.Continuation?) in
            if let existing = state.informers[key] as? Informer<Object> { return (existing, nil) }
            let informer = Informer(
                client: resource, namespace: namespace,
                selectors: ListOptions(labelSelector: labelSelector, fieldSelector: fieldSelector),
                resyncPeriod: resyncPeriod, logger: logger)
            state.informers[key] = informer
            return (informer, state.running)
        }
        start?.yield(informer)
        return informer
    }

    /// Runs every informer requested so far, and each one requested later, until the calling
    /// task is cancelled.
    public func run() async {
        let (stream, continuation) = AsyncStream<any RunnableInformer>.makeStream()
        let existing = state.withLock { state -> [any RunnableInformer] in
            state.running = continuation
            return Array(state.informers.values)
        }
        for informer in existing { continuation.yield(informer) }
        await withTaskGroup(of: Void.self) { group in
            await withTaskCancellationHandler {
                for await informer in stream {
                    group.addTask { await informer.run() }
                }
            } onCancel: {
                continuation.finish()
            }
            group.cancelAll()
        }
    }

    /// Returns once every informer requested so far has delivered its first list.
    public func waitForSync() async {
        let informers = state.withLock { Array($0.informers.values) }
        for informer in informers { await informer.waitForSync() }
    }
}

/// What the factory needs of an informer, whatever its kind.
protocol RunnableInformer: Sendable {
    func run() async
    func waitForSync() async
}

extension Informer: RunnableInformer {}
