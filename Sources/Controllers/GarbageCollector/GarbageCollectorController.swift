import KubeAPI
import KubeClient
import Logging
import Synchronization

/// The garbage collector (`generic-garbage-collector`): keeps an ``OwnerGraph`` of every
/// watched kind and deletes objects whose owners are all gone (background deletion), deletes
/// the dependents of owners deleted in the foreground before releasing them (removing the
/// `foregroundDeletion` finalizer), and strips the owner reference from the dependents of
/// owners deleted with `propagationPolicy=Orphan` (then removes the `orphan` finalizer).
///
/// An owner is only considered gone after a live read by name that finds nothing or another UID.
public final class GarbageCollectorController: Controller, IdentifiedController {
    /// `generic-garbage-collector`.
    public var name: String { identity.name }
    let identity: ControllerIdentity
    let mapper: ResourceMapper
    let graph = Mutex(OwnerGraph())
    let absentOwners = Mutex<Set<String>>([])
    let deleteQueue = WorkQueue<String>(name: "garbage_collector_attempt_to_delete")
    let orphanQueue = WorkQueue<String>(name: "garbage_collector_attempt_to_orphan")

    /// Creates the collector.
    public init(context: ControllerContext) {
        let identity = ControllerIdentity("generic-garbage-collector", context: context)
        self.identity = identity
        self.mapper = ResourceMapper(client: identity.client)
    }

    /// Watches the built-in kinds that carry owner references and works the queues until cancelled.
    public func run() async throws {
        observe(CoreV1.Pod.self)
        observe(AppsV1.ReplicaSet.self)
        observe(AppsV1.Deployment.self)
        observe(AppsV1.StatefulSet.self)
        observe(AppsV1.DaemonSet.self)
        observe(AppsV1.ControllerRevision.self)
        observe(BatchV1.Job.self)
        observe(BatchV1.CronJob.self)
        observe(CoreV1.Service.self)
        observe(CoreV1.Endpoints.self)
        observe(DiscoveryV1.EndpointSlice.self)
        observe(CoreV1.ConfigMap.self)
        observe(CoreV1.Secret.self)
        observe(CoreV1.PersistentVolumeClaim.self)
        observe(CoreV1.ServiceAccount.self)
        observe(CoreV1.ReplicationController.self)
        observe(CoreV1.Node.self)
        observe(CoordinationV1.Lease.self)
        observe(PolicyV1.PodDisruptionBudget.self)
        await ControllerLoop.run(
            waitingFor: [context.informers],
            .queue(deleteQueue, workers: context.options.workers) { try await self.attemptToDelete($0) },
            .queue(orphanQueue, workers: 2) { try await self.attemptToOrphan($0) })
    }

    /// Feeds one kind's informer into the graph.
    func observe<Object: KubernetesObject>(_ type: Object.Type) {
        context.informers.informer(type).addHandler(InformerHandler(
            onAdd: { object in self.schedule(self.graph.withLock { $0.upsert(GraphObject(object)) }) },
            onUpdate: { _, new in self.schedule(self.graph.withLock { $0.upsert(GraphObject(new)) }) },
            onDelete: { old in
                self.schedule(self.graph.withLock { $0.remove(uid: old.metadata.uid ?? "") })
            }))
    }

    func schedule(_ work: OwnerGraph.Work) {
        for uid in work.attemptToDelete { deleteQueue.add(uid) }
        for uid in work.attemptToOrphan { orphanQueue.add(uid) }
    }
}
