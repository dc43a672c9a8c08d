import KubeAPI
import KubeClient
import Logging

/// Keeps each PodDisruptionBudget's status in step with the pods its selector covers
/// (`disruption-controller`): `currentHealthy`, `desiredHealthy`, `expectedPods`,
/// `disruptionsAllowed`, `observedGeneration`, the `DisruptionAllowed` condition, and
/// `disruptedPods` (entries the eviction subresource wrote, dropped once the pod is gone or two
/// minutes have passed). The expected count of `maxUnavailable` and percentage budgets is the
/// scale of the pods' controllers (Deployment through its ReplicaSet, ReplicaSet,
/// ReplicationController, StatefulSet from the informers; any other kind through its `scale`
/// subresource); pods without a controller are left out of it.
///
/// It also clears stale `DisruptionTarget` conditions: one that has been `True` for two minutes
/// on a pod that is neither being deleted nor finished (an eviction whose delete never happened)
/// is set to `False`.
public struct DisruptionController: Controller {
    /// `disruption-controller`.
    public let name = "disruption-controller"
    let context: ControllerContext

    /// Creates the controller.
    public init(context: ControllerContext) { self.context = context }

    /// The listers the controller reads.
    struct Caches: Sendable {
        let budgets: Lister<PolicyV1.PodDisruptionBudget>
        let pods: Lister<CoreV1.Pod>
        let replicaSets: Lister<AppsV1.ReplicaSet>
        let deployments: Lister<AppsV1.Deployment>
        let statefulSets: Lister<AppsV1.StatefulSet>
        let replicationControllers: Lister<CoreV1.ReplicationController>
    }

    /// Runs until cancelled.
    public func run() async throws {
        let client = context.client(for: name)
        let informers = context.informers
        let budgets = informers.informer(PolicyV1.PodDisruptionBudget.self)
        let pods = informers.informer(CoreV1.Pod.self)
        let replicaSets = informers.informer(AppsV1.ReplicaSet.self)
        let deployments = informers.informer(AppsV1.Deployment.self)
        let statefulSets = informers.informer(AppsV1.StatefulSet.self)
        let replicationControllers = informers.informer(CoreV1.ReplicationController.self)
        let caches = Caches(
            budgets: budgets.lister, pods: pods.lister, replicaSets: replicaSets.lister, deployments: deployments.lister,
            statefulSets: statefulSets.lister, replicationControllers: replicationControllers.lister)
        let queue = WorkQueue<String>(name: name)
        let scales = ScaleReader(client: client)
        let budgetLister = budgets.lister
        budgets.addHandler(.any { queue.add(objectKey($0.metadata)) })
        let podChanged: @Sendable (CoreV1.Pod) -> Void = { pod in
            for budget in budgetLister.list(namespace: pod.metadata.namespace ?? "") where budget.covers(pod) {
                queue.add(objectKey(budget.metadata))
            }
        }
        pods.addHandler(InformerHandler(onAdd: podChanged, onUpdate: { old, new in podChanged(old); podChanged(new) }, onDelete: podChanged))
        let staleQueue = WorkQueue<String>(name: name + "-stale-pod-disruption")
        let now = context.now
        let podSeen: @Sendable (CoreV1.Pod) -> Void = { pod in
            if let wait = Self.staleDisruptionWait(pod, now: Time(now())) { staleQueue.addAfter(objectKey(pod.metadata), .seconds(wait)) }
        }
        pods.addHandler(InformerHandler(onAdd: podSeen, onUpdate: { _, new in podSeen(new) }))
        // A controller's scale feeds the expected count of the budgets of its namespace.
        let scaleChanged: @Sendable (String?) -> Void = { namespace in
            for budget in budgetLister.list(namespace: namespace ?? "") { queue.add(objectKey(budget.metadata)) }
        }
        replicaSets.addHandler(.any { scaleChanged($0.metadata.namespace) })
        deployments.addHandler(.any { scaleChanged($0.metadata.namespace) })
        statefulSets.addHandler(.any { scaleChanged($0.metadata.namespace) })
        replicationControllers.addHandler(.any { scaleChanged($0.metadata.namespace) })
        await ControllerLoop.run(
            waitingFor: [budgets, pods, replicaSets, deployments, statefulSets, replicationControllers],
            .queue(queue, workers: context.options.workers) { key in
                try await sync(key, caches: caches, scales: scales, client: client, queue: queue)
            },
            .queue(staleQueue, workers: 1) { key in
                try await clearStaleDisruption(key, pods: caches.pods, client: client, queue: staleQueue)
            })
    }

    /// Recomputes one budget's status and writes it when it changed.
    func sync(_ key: String, caches: Caches, scales: ScaleReader, client: KubeClient, queue: WorkQueue<String>) async throws {
        let (namespace, name) = splitObjectKey(key)
        guard let budget = caches.budgets.get(name, namespace: namespace) else { return }
        let now = Time(context.now())
        let (status, recheck) = await Self.computeStatus(of: budget, caches: caches, scales: scales, now: now, logger: context.logger)
        if status != budget.status {
            var updated = budget
            updated.status = status
            do {
                _ = try await client.resource(PolicyV1.PodDisruptionBudget.self).updateStatus(updated)
            } catch let error as StatusError where error.code == 404 {
                return
            }
        }
        if let recheck {
            queue.addAfter(key, .seconds(max(1, recheck.secondsSinceEpoch - now.secondsSinceEpoch)))
        }
    }

    /// The status `budget` should have now, and when to look again for expiring evictions.
    static func computeStatus(
        of budget: PolicyV1.PodDisruptionBudget, caches: Caches, scales: ScaleReader, now: Time, logger: Logger
    ) async -> (PolicyV1.PodDisruptionBudgetStatus, Time?) {
        let pods = caches.pods.list(namespace: budget.metadata.namespace ?? "").filter { budget.covers($0) }
        do {
            let (expected, desired) = try await DisruptionBudgetMath.targets(spec: budget.spec, podCount: pods.count) {
                try await expectedScale(of: pods, caches: caches, scales: scales, logger: logger)
            }
            let (disrupted, recheck) = DisruptionBudgetMath.activeDisruptions(pods: pods, recorded: budget.status?.disruptedPods, now: now)
            let healthy = DisruptionBudgetMath.currentHealthy(pods: pods, disrupted: disrupted, now: now)
            let status = DisruptionBudgetMath.status(
                of: budget, currentHealthy: healthy, desiredHealthy: desired, expectedPods: expected, disruptedPods: disrupted, now: now)
            return (status, recheck)
        } catch {
            logger.debug("cannot compute the budget's status", metadata: ["budget": "\(objectKey(budget.metadata))", "error": "\(error)"])
            return (DisruptionBudgetMath.failSafeStatus(of: budget, message: "\(error)", now: now), nil)
        }
    }

    /// The summed `spec.replicas` of the controllers of `pods`, each controller once.
    ///
    /// - Throws: ``DisruptionBudgetMath/Failure`` when a pod's controller is not one whose scale
    ///   is known.
    static func expectedScale(of pods: [CoreV1.Pod], caches: Caches, scales: ScaleReader, logger: Logger) async throws -> Int {
        var counted: [String: Int] = [:]
        var unmanaged: [String] = []
        for pod in pods {
            guard let ref = pod.metadata.controllerRef else {
                unmanaged.append(pod.metadata.name ?? "")
                continue
            }
            if counted[ref.uid ?? ""] != nil { continue }
            let namespace = pod.metadata.namespace ?? ""
            var found = controllerScale(ref, namespace: namespace, caches: caches)
            if found == nil { found = try await scales.scale(of: ref, namespace: namespace) }
            guard let (uid, scale) = found else {
                throw DisruptionBudgetMath.Failure("found no controllers for pod \"\(pod.metadata.name ?? "")\"")
            }
            counted[uid] = scale
        }
        if !unmanaged.isEmpty {
            logger.debug("pods without a controller are left out of the expected count", metadata: ["pods": "\(unmanaged)"])
        }
        return counted.values.reduce(0, +)
    }

    /// The UID and `spec.replicas` of the controller `ref` names, when it is one the controller
    /// keeps informers of (a ReplicaSet owned by a Deployment counts as that Deployment).
    static func controllerScale(_ ref: MetaV1.OwnerReference, namespace: String, caches: Caches) -> (String, Int)? {
        let group = (ref.apiVersion ?? "").split(separator: "/").dropLast().first.map(String.init) ?? ""
        let name = ref.name ?? ""
        switch (group, ref.kind ?? "") {
        case ("apps", "ReplicaSet"):
            guard let set = caches.replicaSets.get(name, namespace: namespace), set.metadata.uid == ref.uid else { return nil }
            if let owner = set.metadata.controllerRef(kind: "Deployment"), (owner.apiVersion ?? "").hasPrefix("apps/") {
                guard let deployment = caches.deployments.get(owner.name ?? "", namespace: namespace), deployment.metadata.uid == owner.uid else { return nil }
                return (owner.uid ?? "", deployment.spec?.replicas ?? 1)
            }
            return (ref.uid ?? "", set.spec?.replicas ?? 1)
        case ("apps", "StatefulSet"):
            guard let set = caches.statefulSets.get(name, namespace: namespace), set.metadata.uid == ref.uid else { return nil }
            return (ref.uid ?? "", set.spec?.replicas ?? 1)
        case ("", "ReplicationController"):
            guard let controller = caches.replicationControllers.get(name, namespace: namespace), controller.metadata.uid == ref.uid else { return nil }
            return (ref.uid ?? "", controller.spec?.replicas ?? 1)
        default:
            return nil
        }
    }

    /// How long until the `DisruptionTarget` condition of `pod` goes stale (0 when it is
    /// already), or `nil` when it has none that can: the condition is `True`, the pod is not
    /// being deleted, has not finished, and the kubelet did not set it.
    static func staleDisruptionWait(_ pod: CoreV1.Pod, now: Time) -> Int64? {
        guard pod.metadata.deletionTimestamp == nil, !pod.isTerminal,
              let condition = pod.status?.conditions?.first(where: { $0.type == "DisruptionTarget" }),
              condition.status == "True", condition.reason != "TerminationByKubelet"
        else { return nil }
        let since = condition.lastTransitionTime?.secondsSinceEpoch ?? now.secondsSinceEpoch
        return max(0, since + PolicyV1.PodDisruptionBudget.disruptedPodTimeoutSeconds - now.secondsSinceEpoch)
    }

    /// Sets a stale `DisruptionTarget` condition of the pod `key` to `False`.
    func clearStaleDisruption(_ key: String, pods: Lister<CoreV1.Pod>, client: KubeClient, queue: WorkQueue<String>) async throws {
        let (namespace, name) = splitObjectKey(key)
        guard let pod = pods.get(name, namespace: namespace) else { return }
        let now = Time(context.now())
        guard let wait = Self.staleDisruptionWait(pod, now: now) else { return }
        if wait > 0 {
            queue.addAfter(key, .seconds(wait))
            return
        }
        var updated = pod
        var conditions = pod.status?.conditions ?? []
        guard let index = conditions.firstIndex(where: { $0.type == "DisruptionTarget" }) else { return }
        conditions[index] = CoreV1.PodCondition(lastTransitionTime: now, status: "False", type: "DisruptionTarget")
        updated.status?.conditions = conditions
        do {
            _ = try await client.resource(CoreV1.Pod.self).updateStatus(updated)
        } catch let error as StatusError where error.code == 404 {
            return
        }
    }

    /// Reads the `scale` subresource of controllers of other kinds (custom resources).
    struct ScaleReader: Sendable {
        let client: KubeClient
        let mapper: ResourceMapper

        init(client: KubeClient) {
            self.client = client
            self.mapper = ResourceMapper(client: client)
        }

        /// The UID and `spec.replicas` of the scale of `ref`, or `nil` when its kind is not
        /// served, it has no `scale`, or it is another object than the reference names.
        func scale(of ref: MetaV1.OwnerReference, namespace: String) async throws -> (String, Int)? {
            guard let mapping = await mapper.mapping(apiVersion: ref.apiVersion ?? "", kind: ref.kind ?? "") else { return nil }
            let resource = client.dynamic(mapping.resource, namespaced: mapping.namespaced)
            let scale: JSONValue
            do {
                scale = try await resource.get(ref.name ?? "", namespace: mapping.namespaced ? namespace : nil, subresource: "scale")
            } catch let error as StatusError where error.code == 404 || error.code == 405 {
                return nil
            }
            guard let uid = scale[path: "metadata", "uid"]?.stringValue, uid == ref.uid else { return nil }
            return (uid, Int(scale[path: "spec", "replicas"]?.intValue ?? 0))
        }
    }
}
