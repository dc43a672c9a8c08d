import KubeClient

/// The loop every controller runs once its informer handlers are registered: start its event
/// recorders, wait until its informers have synced, then drive its work (work queues whose keys
/// are reconciled by concurrent workers, failed keys coming back after their backoff, or passes
/// repeated on a period) until the calling task is cancelled, which shuts the queues down and
/// stops the recorders.
///
/// A controller's `run()` registers its handlers (each enqueues the keys an event touches), then
/// hands the rest to ``run(recorders:waitingFor:onSynced:_:)``:
///
/// ```swift
/// await ControllerLoop.run(waitingFor: [services, pods],
///     .queue(queue, workers: context.options.workers) { key in try await self.sync(key) })
/// ```
enum ControllerLoop {
    /// One kind of work a controller does after its informers synced.
    struct Work: Sendable {
        /// Does the work until it is stopped or the task is cancelled.
        let run: @Sendable () async -> Void
        /// Stops the work (called when the controller's task is cancelled).
        let stop: @Sendable () -> Void

        /// Reconciles the keys of `queue` with `workers` concurrent workers: a key whose
        /// `reconcile` throws is added again after its backoff, one that succeeds has its failures
        /// forgotten (``WorkQueue/run(workers:_:)``). Stopping shuts the queue down.
        static func queue<Key: Hashable & Sendable>(
            _ queue: WorkQueue<Key>, workers: Int, _ reconcile: @escaping @Sendable (Key) async throws -> Void
        ) -> Work {
            Work(run: { await queue.run(workers: workers, reconcile) }, stop: { queue.shutdown() })
        }

        /// Runs `pass`, then waits `period`, again and again until the task is cancelled.
        static func every(_ period: Duration, _ pass: @escaping @Sendable () async -> Void) -> Work {
            Work(
                run: {
                    while !Task.isCancelled {
                        await pass()
                        try? await Task.sleep(for: period)
                    }
                },
                stop: {})
        }
    }

    /// Runs `recorders` at once and, once every one of `informers` has synced and `onSynced`
    /// (start-up work that needs the synced caches) has returned, every item of `work` side by
    /// side. Returns when the work ends: after the calling task is cancelled, or if every item
    /// finished by itself; the recorders are stopped then.
    static func run(
        recorders: [EventRecorder] = [], waitingFor informers: [any SyncWaiting],
        onSynced: (@Sendable () async -> Void)? = nil, _ work: Work...
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for recorder in recorders {
                group.addTask { await recorder.run() }
            }
            group.addTask {
                for informer in informers { await informer.waitForSync() }
                await onSynced?()
                await withTaskGroup(of: Void.self) { items in
                    for item in work {
                        items.addTask { await item.run() }
                    }
                }
            }
            await withTaskCancellationHandler {
                await group.next()
            } onCancel: {
                for item in work { item.stop() }
            }
            group.cancelAll()
        }
    }
}

/// What a controller waits for before it starts work: one informer, or every informer of a
/// factory.
protocol SyncWaiting: Sendable {
    /// Returns once the first list has been delivered (or the task is cancelled).
    func waitForSync() async
}

extension Informer: SyncWaiting {}
extension InformerFactory: SyncWaiting {}
