import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Runs Jobs to completion (`job-controller`): creates pods up to `parallelism` until
/// `completions` succeeded (one pod per index for Indexed jobs), replaces failed pods after an
/// exponential backoff, fails the job on `backoffLimit`, `activeDeadlineSeconds` or a
/// `podFailurePolicy` rule, and keeps `status` current. Decisions are made by ``JobSync``.
public struct JobController: Controller {
    /// `job-controller`.
    public let name = "job-controller"
    let context: ControllerContext
    let backoff: JobBackoff
    let state = Shared()

    /// The pod index of pods by the uid of their controlling Job.
    static let podsByJob = "job-controller/job-uid"

    final class Shared: Sendable {
        /// Pods created or deleted whose informer event has not arrived yet, per job key.
        let pending = Mutex<[String: Set<String>]>([:])
        /// When a failure was last counted, per job uid.
        let lastFailure = Mutex<[String: Time]>([:])
        /// Pods whose tracking finalizer was removed but whose informer update has not arrived:
        /// they must not be counted again from a stale cache.
        let released = Mutex<Set<String>>([])
        /// The job versions this controller wrote.
        let written = WrittenVersions()
    }

    /// Creates the controller; `backoff` is the failed-pod replacement delay (tests pass
    /// ``JobBackoff/none``).
    public init(context: ControllerContext, backoff: JobBackoff) {
        self.context = context
        self.backoff = backoff
    }

    /// Creates the controller with upstream's backoff.
    public init(context: ControllerContext) { self.init(context: context, backoff: JobBackoff()) }

    /// Runs until cancelled.
    public func run() async throws {
        let client = context.client(for: name)
        let jobs = context.informers.informer(BatchV1.Job.self)
        let pods = context.informers.informer(CoreV1.Pod.self)
        pods.indexByController(Self.podsByJob, kind: "Job")
        let queue = WorkQueue<String>(name: name)
        let recorder = EventRecorder(client: client, component: name, logger: context.logger)
        jobs.addHandler(.any { job in queue.add(objectKey(job.metadata)) })
        let state = self.state
        let jobKey: @Sendable (CoreV1.Pod) -> String? = { pod in
            pod.metadata.controllerRef(kind: "Job")?.name.map { "\(pod.metadata.namespace ?? "")/\($0)" }
        }
        pods.addHandler(InformerHandler(
            onAdd: { pod in
                guard let key = jobKey(pod) else { return }
                state.observe(key, pod.metadata.name)
                queue.add(key)
            },
            onUpdate: { _, pod in
                if !(pod.metadata.finalizers ?? []).contains(JobSync.trackingFinalizer), let uid = pod.metadata.uid {
                    _ = state.released.withLock { $0.remove(uid) }
                }
                guard let key = jobKey(pod) else { return }
                if pod.metadata.deletionTimestamp != nil { state.observe(key, pod.metadata.name) }
                queue.add(key)
            },
            onDelete: { pod in
                if let uid = pod.metadata.uid { _ = state.released.withLock { $0.remove(uid) } }
                guard let key = jobKey(pod) else { return }
                state.observe(key, pod.metadata.name)
                queue.add(key)
            }))
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [jobs, pods],
            .queue(queue, workers: context.options.workers) { key in
                try await self.reconcile(key, jobs: jobs.lister, pods: pods.lister, client: client, recorder: recorder, queue: queue)
            })
    }

    func reconcile(
        _ key: String, jobs: Lister<BatchV1.Job>, pods: Lister<CoreV1.Pod>, client: KubeClient,
        recorder: EventRecorder, queue: WorkQueue<String>
    ) async throws {
        let (namespace, jobName) = splitObjectKey(key)
        guard let job = jobs.get(jobName, namespace: namespace), let uid = job.metadata.uid,
              job.metadata.deletionTimestamp == nil else {
            // The job is gone or going: its pods must not keep the tracking finalizer.
            state.pending.withLock { $0[key] = nil }
            let orphans = pods.list(namespace: namespace).filter {
                $0.metadata.controllerRef(kind: "Job")?.name == jobName
                    && ($0.metadata.finalizers ?? []).contains(JobSync.trackingFinalizer)
            }
            try await release(orphans, namespace: namespace, client: client.resource(CoreV1.Pod.self))
            return
        }
        if job.spec?.managedBy.map({ $0 != "kubernetes.io/job-controller" }) ?? false { return }
        // Decide only from a cache that includes this controller's own last status write and
        // no longer shows finalizers it removed.
        guard state.written.isCurrent(key, cachedVersion: job.metadata.resourceVersion) else { return }
        let released = state.released.withLock { $0 }
        let owned = pods.byIndex(Self.podsByJob, uid)
        if owned.contains(where: { pod in
            pod.metadata.uid.map(released.contains) == true && (pod.metadata.finalizers ?? []).contains(JobSync.trackingFinalizer)
        }) {
            return
        }
        let now = Time(context.now())
        let lastFailure = [state.lastFailure.withLock { $0[uid] }, Self.latestFailure(owned)].compactMap { $0 }.max()
        var sync = JobSync(job: job, pods: owned, now: now, lastFailure: lastFailure, backoff: backoff)
        let jobs = client.resource(BatchV1.Job.self)
        let podClient = client.resource(CoreV1.Pod.self)
        let waiting = state.pending.withLock { !($0[key]?.isEmpty ?? true) }
        if waiting {
            sync.create = []
            sync.delete = []
        }

        // Record newly finished pods, release them, then fold them into the counts.
        var current = job
        if let recorded = sync.recordedStatus {
            current.status = recorded
            current = try await jobs.updateStatus(current)
            state.written.wrote(key, version: current.metadata.resourceVersion)
        }
        try await release(owned.filter { sync.finalizersToRemove.contains($0.metadata.name ?? "") }, namespace: namespace, client: podClient)
        if (sync.status.failed ?? 0) > (job.status?.failed ?? 0) {
            state.lastFailure.withLock { $0[uid] = now }
        }

        // Delete surplus pods.
        for podName in sync.delete {
            state.expect(key, podName) { pods.get(podName, namespace: namespace)?.metadata.deletionTimestamp == nil }
            do {
                _ = try await podClient.delete(podName, namespace: namespace)
                recorder.record(job, type: .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(podName)")
            } catch let error as StatusError where error.code == 404 {
                state.observe(key, podName)
            }
        }

        // Create missing pods in growing batches (1, 2, 4, ...), stopping at the first error.
        var remaining = sync.create[...]
        var batch = 1
        var createError: (any Error)?
        while !remaining.isEmpty && createError == nil {
            let chunk = remaining.prefix(batch)
            remaining = remaining.dropFirst(batch)
            batch *= 2
            createError = await withTaskGroup(of: (any Error)?.self) { group in
                for index in chunk {
                    group.addTask {
                        do {
                            let pod = Self.podFor(job, index: index)
                            let created = try await podClient.create(pod, namespace: namespace)
                            let createdName = created.metadata.name
                            self.state.expect(key, createdName) { createdName.map { pods.get($0, namespace: namespace) == nil } ?? false }
                            recorder.record(job, type: .normal, reason: "SuccessfulCreate", message: "Created pod: \(created.metadata.name ?? "")")
                            return nil
                        } catch {
                            recorder.record(job, type: .warning, reason: "FailedCreate", message: "Error creating: \(error)")
                            return error
                        }
                    }
                }
                var first: (any Error)?
                for await error in group where first == nil { first = error }
                return first
            }
        }

        if sync.status != current.status {
            current.status = sync.status
            let written = try await jobs.updateStatus(current)
            state.written.wrote(key, version: written.metadata.resourceVersion)
        }
        for event in sync.events {
            recorder.record(job, type: event.warning ? .warning : .normal, reason: event.reason, message: event.message)
        }
        if let createError { throw createError }
        if let delay = sync.requeueAfter { queue.addAfter(key, delay) }
    }

    /// Removes the tracking finalizer from `pods`.
    func release(_ pods: [CoreV1.Pod], namespace: String?, client: ResourceClient<CoreV1.Pod>) async throws {
        for pod in pods {
            let remaining = (pod.metadata.finalizers ?? []).filter { $0 != JobSync.trackingFinalizer }
            do {
                let patched = try await client.patch(
                    pod.metadata.name ?? "", namespace: namespace, type: .merge,
                    body: ["metadata": ["finalizers": .array(remaining.map { .string($0) })]])
                if let uid = patched.metadata.uid, (patched.metadata.finalizers ?? []).contains(JobSync.trackingFinalizer) == false {
                    _ = state.released.withLock { $0.insert(uid) }
                }
            } catch let error as StatusError where error.code == 404 {}
        }
    }

    /// The latest failure time among failed pods (container finish time, else the pod's latest
    /// condition change).
    static func latestFailure(_ pods: [CoreV1.Pod]) -> Time? {
        pods.filter { $0.status?.phase == "Failed" }.compactMap { pod -> Time? in
            let finished = (pod.status?.containerStatuses ?? []).compactMap { $0.state?.terminated?.finishedAt }.max()
            return finished ?? pod.status?.conditions?.compactMap(\.lastTransitionTime).max()
        }.max()
    }

    /// The pod the job runs for `index` (`nil`: NonIndexed).
    static func podFor(_ job: BatchV1.Job, index: Int?) -> CoreV1.Pod {
        let template = job.spec?.template ?? CoreV1.PodTemplateSpec()
        let jobName = job.metadata.name ?? ""
        var meta = template.metadata ?? MetaV1.ObjectMeta()
        meta.name = nil
        meta.namespace = job.metadata.namespace
        meta.generateName = index.map { "\(jobName)-\($0)-" } ?? "\(jobName)-"
        meta.finalizers = (meta.finalizers ?? []) + [JobSync.trackingFinalizer]
        meta.ownerReferences = [MetaV1.OwnerReference.controller(job)]
        var labels = meta.labels ?? [:]
        labels["batch.kubernetes.io/job-name"] = labels["batch.kubernetes.io/job-name"] ?? jobName
        labels["job-name"] = labels["job-name"] ?? jobName
        if let uid = job.metadata.uid {
            labels["batch.kubernetes.io/controller-uid"] = labels["batch.kubernetes.io/controller-uid"] ?? uid
            labels["controller-uid"] = labels["controller-uid"] ?? uid
        }
        var spec = template.spec ?? CoreV1.PodSpec()
        if let index {
            labels[JobSync.completionIndexKey] = String(index)
            var annotations = meta.annotations ?? [:]
            annotations[JobSync.completionIndexKey] = String(index)
            meta.annotations = annotations
            if spec.hostname == nil { spec.hostname = "\(jobName)-\(index)" }
            let env = CoreV1.EnvVar(
                name: "JOB_COMPLETION_INDEX",
                valueFrom: CoreV1.EnvVarSource(fieldRef: CoreV1.ObjectFieldSelector(
                    fieldPath: "metadata.annotations['\(JobSync.completionIndexKey)']")))
            spec.containers = spec.containers?.map { container in
                var container = container
                if !(container.env ?? []).contains(where: { $0.name == env.name }) {
                    container.env = (container.env ?? []) + [env]
                }
                return container
            }
        }
        meta.labels = labels
        return CoreV1.Pod(metadata: meta, spec: spec)
    }
}

extension JobController.Shared {
    /// Waits for an informer event about `pod` unless `stillUnseen` says it already arrived
    /// (checked under the lock the event handler takes, so no event is missed).
    func expect(_ key: String, _ pod: String?, stillUnseen: () -> Bool) {
        guard let pod else { return }
        pending.withLock { pending in
            if stillUnseen() { pending[key, default: []].insert(pod) }
        }
    }

    func observe(_ key: String, _ pod: String?) {
        guard let pod else { return }
        pending.withLock { pending in
            pending[key]?.remove(pod)
            if pending[key]?.isEmpty ?? false { pending[key] = nil }
        }
    }
}
