import KubeAPI
import KubeClient
import Logging

/// Deletes finished Jobs `spec.ttlSecondsAfterFinished` seconds after they finished
/// (`ttl-after-finished-controller`), with background propagation so their pods go too.
public struct TTLAfterFinishedController: Controller {
    /// `ttl-after-finished-controller`.
    public let name = "ttl-after-finished-controller"
    let context: ControllerContext

    /// Creates the controller.
    public init(context: ControllerContext) { self.context = context }

    /// When a finished job expires: its finish time plus its TTL; `nil` when it has no TTL or
    /// has not finished.
    public static func expiry(of job: BatchV1.Job) -> Time? {
        guard let ttl = job.spec?.ttlSecondsAfterFinished, let finished = finishTime(of: job) else { return nil }
        return Time(secondsSinceEpoch: finished.secondsSinceEpoch + Int64(ttl))
    }

    /// When the job finished: the transition time of its `Complete` or `Failed` condition
    /// (else `completionTime`); `nil` while it runs.
    public static func finishTime(of job: BatchV1.Job) -> Time? {
        guard let condition = job.status?.conditions?.first(where: {
            ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True"
        }) else { return nil }
        return condition.lastTransitionTime ?? job.status?.completionTime
    }

    /// Runs until cancelled.
    public func run() async throws {
        let client = context.client(for: name)
        let jobs = context.informers.informer(BatchV1.Job.self)
        let queue = WorkQueue<String>(name: name)
        jobs.addHandler(.any { job in
            if job.spec?.ttlSecondsAfterFinished != nil && job.metadata.deletionTimestamp == nil && finishTimeIsSet(job) {
                queue.add(objectKey(job.metadata))
            }
        })
        await ControllerLoop.run(
            waitingFor: [jobs],
            .queue(queue, workers: context.options.workers) { key in
                try await reconcile(key, jobs: jobs.lister, client: client, queue: queue)
            })
    }

    private func finishTimeIsSet(_ job: BatchV1.Job) -> Bool { Self.finishTime(of: job) != nil }

    func reconcile(_ key: String, jobs: Lister<BatchV1.Job>, client: KubeClient, queue: WorkQueue<String>) async throws {
        let (namespace, name) = splitObjectKey(key)
        guard let cached = jobs.get(name, namespace: namespace), cached.metadata.deletionTimestamp == nil,
              let expiry = Self.expiry(of: cached) else { return }
        let now = Time(context.now())
        if now < expiry {
            queue.addAfter(key, .seconds(expiry.secondsSinceEpoch - now.secondsSinceEpoch))
            return
        }
        // Check the live object: its TTL may have been changed since the cache saw it.
        let resource = client.resource(BatchV1.Job.self)
        let live: BatchV1.Job
        do { live = try await resource.get(name, namespace: namespace) } catch let error as StatusError where error.code == 404 { return }
        guard let liveExpiry = Self.expiry(of: live), liveExpiry <= now, live.metadata.deletionTimestamp == nil else {
            if let liveExpiry = Self.expiry(of: live) {
                queue.addAfter(key, .seconds(max(1, liveExpiry.secondsSinceEpoch - now.secondsSinceEpoch)))
            }
            return
        }
        do {
            _ = try await resource.delete(name, namespace: namespace, options: DeleteOptions(
                propagationPolicy: .background, preconditionUID: live.metadata.uid,
                preconditionResourceVersion: live.metadata.resourceVersion))
            context.logger.debug("deleted expired job", metadata: ["job": "\(key)"])
        } catch let error as StatusError where error.code == 404 {}
    }
}
