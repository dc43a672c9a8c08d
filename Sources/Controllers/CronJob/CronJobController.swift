import KubeAPI
import KubeClient
import Logging

/// Creates Jobs on a cron schedule (`cronjob-controller`): one Job per scheduled time named
/// `<cronjob>-<minutes since the epoch>`, honouring `timeZone`, `startingDeadlineSeconds`,
/// `concurrencyPolicy` and `suspend`; tracks active Jobs, records the last schedule and success
/// times and prunes finished Jobs beyond the history limits. It wakes itself at the next
/// scheduled time, computed from the injected clock.
public struct CronJobController: Controller {
    /// `cronjob-controller`.
    public let name = "cronjob-controller"
    let context: ControllerContext
    let maximumWait: Duration?
    let zoneDirectory: String
    let written = WrittenVersions()

    static let jobsByCronJob = "cronjob-controller/cronjob-uid"
    /// The annotation holding a created Job's scheduled time.
    public static let scheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp"

    /// Creates the controller.
    /// - Parameters:
    ///   - maximumWait: the longest it sleeps before looking at a CronJob again (tests that
    ///     move the injected clock pass a short one; `nil`: until the next scheduled time).
    ///   - zoneDirectory: where IANA time zones are read from.
    public init(context: ControllerContext, maximumWait: Duration?, zoneDirectory: String = "/usr/share/zoneinfo") {
        self.context = context
        self.maximumWait = maximumWait
        self.zoneDirectory = zoneDirectory
    }

    /// Creates the controller with production settings.
    public init(context: ControllerContext) { self.init(context: context, maximumWait: nil) }

    /// Runs until cancelled.
    public func run() async throws {
        let client = context.client(for: name)
        let cronJobs = context.informers.informer(BatchV1.CronJob.self)
        let jobs = context.informers.informer(BatchV1.Job.self)
        jobs.indexByController(Self.jobsByCronJob, kind: "CronJob")
        let queue = WorkQueue<String>(name: name)
        let recorder = EventRecorder(client: client, component: name, logger: context.logger)
        cronJobs.addHandler(.any { cronJob in queue.add(objectKey(cronJob.metadata)) })
        jobs.addHandler(.any { job in
            if let owner = job.metadata.controllerRef(kind: "CronJob")?.name {
                queue.add("\(job.metadata.namespace ?? "")/\(owner)")
            }
        })
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [cronJobs, jobs],
            .queue(queue, workers: context.options.workers) { key in
                try await self.reconcile(key, cronJobs: cronJobs.lister, jobs: jobs.lister, client: client, recorder: recorder, queue: queue)
            })
    }

    func reconcile(
        _ key: String, cronJobs: Lister<BatchV1.CronJob>, jobs: Lister<BatchV1.Job>, client: KubeClient,
        recorder: EventRecorder, queue: WorkQueue<String>
    ) async throws {
        let (namespace, cronJobName) = splitObjectKey(key)
        guard let cronJob = cronJobs.get(cronJobName, namespace: namespace), let uid = cronJob.metadata.uid else { return }
        // Decide only from a cache that includes this controller's own last write.
        guard written.isCurrent(key, cachedVersion: cronJob.metadata.resourceVersion) else { return }
        let spec = cronJob.spec ?? BatchV1.CronJobSpec()
        let jobClient = client.resource(BatchV1.Job.self)
        let now = Time(context.now())
        let owned = jobs.byIndex(Self.jobsByCronJob, uid)
        var status = cronJob.status ?? BatchV1.CronJobStatus()

        // Reconcile the active list with the Jobs that exist.
        var active: [CoreV1.ObjectReference] = []
        for reference in status.active ?? [] {
            if let job = owned.first(where: { $0.metadata.uid == reference.uid }) {
                if !Self.isFinished(job) { active.append(reference) }
                continue
            }
            // Not in the cache (yet): ask the server before forgetting it.
            guard let name = reference.name else { continue }
            do {
                let live = try await jobClient.get(name, namespace: namespace)
                if live.metadata.uid == reference.uid && !Self.isFinished(live) { active.append(reference) }
            } catch let error as StatusError where error.code == 404 {}
        }
        for job in owned where !Self.isFinished(job) && !active.contains(where: { $0.uid == job.metadata.uid }) {
            active.append(Self.reference(job))
        }
        for job in owned {
            guard let finished = Self.finishedCondition(job) else { continue }
            if (status.active ?? []).contains(where: { $0.uid == job.metadata.uid }) {
                recorder.record(cronJob, type: .normal, reason: "SawCompletedJob",
                                message: "Saw completed job: \(job.metadata.name ?? ""), condition: \(finished)")
            }
            if finished == "Complete", let completed = job.status?.completionTime,
               status.lastSuccessfulTime.map({ $0 < completed }) ?? true {
                status.lastSuccessfulTime = completed
            }
        }
        status.active = active.isEmpty ? nil : active

        // Prune history.
        try await prune(owned, cronJob: cronJob, client: jobClient, recorder: recorder)

        if cronJob.metadata.deletionTimestamp != nil || spec.suspend == true {
            try await write(status, of: cronJob, client: client)
            return
        }
        let schedule: CronSchedule
        do { schedule = try CronSchedule(parsing: spec.schedule ?? "") } catch {
            recorder.record(cronJob, type: .warning, reason: "UnparseableSchedule",
                            message: "unparseable schedule: \"\(spec.schedule ?? "")\" : \(error)")
            try await write(status, of: cronJob, client: client)
            return
        }
        let zone: ZoneRules
        do { zone = try ZoneRules.load(spec.timeZone ?? "", directory: zoneDirectory) } catch {
            recorder.record(cronJob, type: .warning, reason: "UnknownTimeZone",
                            message: "invalid timeZone: \"\(spec.timeZone ?? "")\": \(error)")
            try await write(status, of: cronJob, client: client)
            return
        }
        let timing = CronJobTiming(cronJob: cronJob, schedule: schedule, zone: zone, now: now)
        defer { requeue(key, timing: timing, now: now, queue: queue) }
        if timing.missed > 100 {
            recorder.record(cronJob, type: .warning, reason: "TooManyMissedTimes",
                            message: "too many missed start times (more than 100). Set or decrease .spec.startingDeadlineSeconds or check clock skew")
        }
        guard let scheduled = timing.due else {
            try await write(status, of: cronJob, client: client)
            return
        }
        if timing.tooLate {
            recorder.record(cronJob, type: .warning, reason: "MissSchedule",
                            message: "Missed scheduled time to start a job: \(scheduled)")
            try await write(status, of: cronJob, client: client)
            return
        }
        let jobName = CronJobTiming.jobName(cronJob: cronJobName, scheduled: scheduled)
        if owned.contains(where: { $0.metadata.name == jobName }) || status.lastScheduleTime.map({ $0 >= scheduled }) == true {
            try await write(status, of: cronJob, client: client)
            return
        }
        switch spec.concurrencyPolicy ?? "Allow" {
        case "Forbid" where !active.isEmpty:
            recorder.record(cronJob, type: .normal, reason: "JobAlreadyActive",
                            message: "Not starting job because prior execution is running and concurrency policy is Forbid")
            try await write(status, of: cronJob, client: client)
            return
        case "Replace":
            for reference in active {
                guard let name = reference.name else { continue }
                do {
                    _ = try await jobClient.delete(name, namespace: namespace, options: DeleteOptions(propagationPolicy: .background))
                    recorder.record(cronJob, type: .normal, reason: "SuccessfulDelete", message: "Deleted job \(name)")
                } catch let error as StatusError where error.code == 404 {}
            }
            active = []
        default:
            break
        }
        let job = Self.job(for: cronJob, name: jobName, scheduled: scheduled)
        do {
            let created = try await jobClient.create(job, namespace: namespace)
            recorder.record(cronJob, type: .normal, reason: "SuccessfulCreate", message: "Created job \(jobName)")
            active.append(Self.reference(created))
        } catch let error as StatusError where error.code == 409 {
            // Created by an earlier attempt whose event has not arrived yet.
        } catch {
            recorder.record(cronJob, type: .warning, reason: "FailedCreate", message: "Error creating job: \(error)")
            throw error
        }
        status.active = active.isEmpty ? nil : active
        status.lastScheduleTime = scheduled
        try await write(status, of: cronJob, client: client)
    }

    func requeue(_ key: String, timing: CronJobTiming, now: Time, queue: WorkQueue<String>) {
        guard let next = timing.next else { return }
        var delay = Duration.seconds(max(0, next.secondsSinceEpoch - now.secondsSinceEpoch)) + .milliseconds(100)
        if let maximumWait { delay = min(delay, maximumWait) }
        queue.addAfter(key, delay)
    }

    func write(_ status: BatchV1.CronJobStatus, of cronJob: BatchV1.CronJob, client: KubeClient) async throws {
        let old = cronJob.status ?? BatchV1.CronJobStatus()
        guard status != old else { return }
        var updated = cronJob
        updated.status = status
        let result = try await client.resource(BatchV1.CronJob.self).updateStatus(updated)
        written.wrote(objectKey(cronJob.metadata), version: result.metadata.resourceVersion)
    }

    func prune(_ owned: [BatchV1.Job], cronJob: BatchV1.CronJob, client: ResourceClient<BatchV1.Job>, recorder: EventRecorder) async throws {
        let keepSucceeded = cronJob.spec?.successfulJobsHistoryLimit ?? 3
        let keepFailed = cronJob.spec?.failedJobsHistoryLimit ?? 1
        for (condition, keep) in [("Complete", keepSucceeded), ("Failed", keepFailed)] {
            let finished = owned.filter { Self.finishedCondition($0) == condition && $0.metadata.deletionTimestamp == nil }
                .sorted { (Self.startTime($0), $0.metadata.name ?? "") < (Self.startTime($1), $1.metadata.name ?? "") }
            guard finished.count > keep else { continue }
            for job in finished.prefix(finished.count - keep) {
                guard let name = job.metadata.name else { continue }
                do {
                    _ = try await client.delete(name, namespace: job.metadata.namespace, options: DeleteOptions(propagationPolicy: .background))
                    recorder.record(cronJob, type: .normal, reason: "SuccessfulDelete", message: "Deleted job \(name)")
                } catch let error as StatusError where error.code == 404 {}
            }
        }
    }

    static func startTime(_ job: BatchV1.Job) -> Int64 {
        (job.status?.startTime ?? job.metadata.creationTimestamp)?.secondsSinceEpoch ?? 0
    }

    /// `Complete` or `Failed` when the job has finished.
    static func finishedCondition(_ job: BatchV1.Job) -> String? {
        job.status?.conditions?.first { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }?.type
    }

    static func isFinished(_ job: BatchV1.Job) -> Bool { finishedCondition(job) != nil }

    static func reference(_ job: BatchV1.Job) -> CoreV1.ObjectReference {
        CoreV1.ObjectReference(
            apiVersion: "batch/v1", kind: "Job", name: job.metadata.name, namespace: job.metadata.namespace,
            resourceVersion: job.metadata.resourceVersion, uid: job.metadata.uid)
    }

    /// The Job a CronJob runs for its `scheduled` time.
    public static func job(for cronJob: BatchV1.CronJob, name: String, scheduled: Time) -> BatchV1.Job {
        let template = cronJob.spec?.jobTemplate ?? BatchV1.JobTemplateSpec()
        var meta = MetaV1.ObjectMeta()
        meta.name = name
        meta.namespace = cronJob.metadata.namespace
        meta.labels = template.metadata?.labels
        var annotations = template.metadata?.annotations ?? [:]
        annotations[scheduledTimestampAnnotation] = scheduled.description
        meta.annotations = annotations
        meta.ownerReferences = [MetaV1.OwnerReference.controller(cronJob)]
        return BatchV1.Job(metadata: meta, spec: template.spec)
    }
}
