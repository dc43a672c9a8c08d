import KubeAPI
import Logging
import Synchronization

/// Shares one informer per kind (and namespace/selectors) among every component of a process
/// (scheduler, controllers, in-process kubelets), so a kind is listed, watched and cached once
/// however many loops read it.
///
/// Several components may each ``run()`` the same factory: its informers start with the first
/// call and stop when the last one returns.
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
        /// How many ``run()`` calls are in progress.
        var runners = 0
        /// The task running the informers while any ``run()`` call is in progress.
        var task: Task<Void, Never>?
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
    /// task is cancelled. Concurrent calls share one run: the informers keep running until the
    /// last caller is cancelled.
    public func run() async {
        state.withLock { state in
            state.runners += 1
            guard state.task == nil else { return }
            let (stream, continuation) = AsyncStream<any RunnableInformer>.makeStream()
            state.running = continuation
            for informer in state.informers.values { continuation.yield(informer) }
            state.task = Task {
                await withTaskGroup(of: Void.self) { group in
                    for await informer in stream {
                        group.addTask { await informer.run() }
                    }
                    group.cancelAll()
                }
            }
        }
        // Wait for cancellation: the stream never yields and ends when the task is cancelled.
        let (cancelled, keepAlive) = AsyncStream<Never>.makeStream()
        for await _ in cancelled {}
        keepAlive.finish()
        let stop = state.withLock { state -> (Task<Void, Never>, AsyncStream<any RunnableInformer>.Continuation?)? in
            state.runners -= 1
            guard state.runners == 0, let task = state.task else { return nil }
            defer {
                state.task = nil
                state.running = nil
            }
            return (task, state.running)
        }
        if let stop {
            stop.1?.finish()
            stop.0.cancel()
            await stop.0.value
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
