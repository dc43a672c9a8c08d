import KubeAPI

/// The job controller's decision for one job, computed from the job, its pods and the time,
/// without I/O.
///
/// Pod accounting follows upstream's finalizer protocol: every pod is created with the
/// `batch.kubernetes.io/job-tracking` finalizer; a pod that finishes is first recorded in
/// `status.uncountedTerminatedPods` (``recordedStatus``), then its finalizer is removed
/// (``finalizersToRemove``), then it is folded into `succeeded`/`failed` (``status``). So a
/// finished pod is counted exactly once even if it is deleted right away or the controller
/// stops between the steps.
public struct JobSync: Sendable {
    /// The pod finalizer that keeps a finished pod until the job has counted it.
    public static let trackingFinalizer = "batch.kubernetes.io/job-tracking"
    /// The annotation and label carrying an Indexed job pod's index.
    public static let completionIndexKey = "batch.kubernetes.io/job-completion-index"

    /// An event to record on the job.
    public struct Event: Sendable, Hashable {
        /// `true` for a warning.
        public var warning: Bool
        /// The reason (`Completed`, `BackoffLimitExceeded`...).
        public var reason: String
        /// The message.
        public var message: String
    }

    /// Pods to create: one entry per pod, the completion index for Indexed jobs, `nil` otherwise.
    public var create: [Int?] = []
    /// Names of pods to delete (surplus or, once the job is finishing, all active ones).
    public var delete: [String] = []
    /// Names of pods whose tracking finalizer must go (after ``recordedStatus`` is written).
    public var finalizersToRemove: [String] = []
    /// The status to write before removing finalizers (`nil` when nothing new finished).
    public var recordedStatus: BatchV1.JobStatus?
    /// The status to write at the end.
    public var status: BatchV1.JobStatus
    /// Events to record.
    public var events: [Event] = []
    /// When to look at the job again even if nothing changes (backoff, deadline).
    public var requeueAfter: Duration?

    /// Decides what to do for `job` given its (controlled) `pods`.
    /// - Parameters:
    ///   - now: the current time.
    ///   - lastFailure: when the most recent counted pod failure happened (for the backoff).
    ///   - backoff: the pod-recreation backoff.
    public init(job: BatchV1.Job, pods: [CoreV1.Pod], now: Time, lastFailure: Time?, backoff: JobBackoff) {
        let spec = job.spec ?? BatchV1.JobSpec()
        var status = job.status ?? BatchV1.JobStatus()
        let old = status
        let indexed = spec.completionMode == "Indexed"
        let completions = spec.completions
        let parallelism = max(0, spec.parallelism ?? 1)
        let uncounted = status.uncountedTerminatedPods ?? BatchV1.UncountedTerminatedPods()
        var uncountedSucceeded = Set(uncounted.succeeded ?? [])
        var uncountedFailed = Set(uncounted.failed ?? [])
        var newlyRecorded = false
        var completed = CompletedIndexes(parsing: status.completedIndexes, completions: completions ?? 0)
        var failJob: (reason: String, message: String)?
        var finalizers: [String] = []

        // 1. Account finished pods.
        let finishedJob = Self.condition(job, "Complete") != nil || Self.condition(job, "Failed") != nil
        let ending = finishedJob || Self.condition(job, "SuccessCriteriaMet") != nil || Self.condition(job, "FailureTarget") != nil
        // Without a pod failure policy a deleted pod counts as failed at once (it may never
        // reach the Failed phase); with one, only its final phase counts.
        let waitForFailedPhase = spec.podFailurePolicy != nil || spec.podReplacementPolicy == "Failed"
        for pod in pods {
            let uid = pod.metadata.uid ?? ""
            let tracked = pod.metadata.finalizers?.contains(Self.trackingFinalizer) ?? false
            var phase = pod.status?.phase
            let terminating = pod.isTerminating
            guard tracked, pod.isTerminal || terminating else { continue }
            if uncountedSucceeded.contains(uid) || uncountedFailed.contains(uid) {
                finalizers.append(pod.metadata.name ?? "")
                continue
            }
            if !pod.isTerminal {
                // A pod being deleted that has not finished.
                if ending {
                    finalizers.append(pod.metadata.name ?? "")
                    continue
                }
                if waitForFailedPhase { continue }
                phase = "Failed"
            } else if finishedJob {
                finalizers.append(pod.metadata.name ?? "")
                continue
            }
            if phase == "Succeeded" {
                if indexed, let index = Self.index(of: pod) {
                    if let completions, index < completions { completed.insert(index) }
                }
                uncountedSucceeded.insert(uid)
            } else {
                switch Self.failurePolicyAction(spec.podFailurePolicy, pod: pod) {
                case .failJob(let message):
                    if failJob == nil { failJob = ("PodFailurePolicy", message) }
                    uncountedFailed.insert(uid)
                case .ignore:
                    break  // neither counted nor kept: removing the finalizer is enough
                case .count:
                    uncountedFailed.insert(uid)
                }
            }
            newlyRecorded = true
            finalizers.append(pod.metadata.name ?? "")
        }
        if newlyRecorded {
            var recorded = status
            recorded.uncountedTerminatedPods = BatchV1.UncountedTerminatedPods(
                failed: uncountedFailed.isEmpty ? nil : uncountedFailed.sorted(),
                succeeded: uncountedSucceeded.isEmpty ? nil : uncountedSucceeded.sorted())
            if indexed { recorded.completedIndexes = completed.text }
            recordedStatus = recorded == old ? nil : recorded
        }
        finalizersToRemove = finalizers

        // 2. Fold the recorded pods into the counts (they are safe now: their finalizers go
        //    before the final status is written).
        let succeeded = (status.succeeded ?? 0) + uncountedSucceeded.count
        let failed = (status.failed ?? 0) + uncountedFailed.count
        status.succeeded = succeeded
        status.failed = failed
        status.uncountedTerminatedPods = nil
        if indexed { status.completedIndexes = completed.text }

        let running = pods.filter { !$0.isTerminal && !$0.isTerminating }
        let terminating = pods.filter { !$0.isTerminal && $0.isTerminating }
        status.active = running.count
        status.ready = running.filter(\.isReady).count
        status.terminating = terminating.count

        let finishedCondition = Self.condition(job, "Complete") ?? Self.condition(job, "Failed")
        if finishedCondition != nil {
            // Finished: only release remaining pods.
            status.active = running.count
            self.status = status
            return
        }
        let suspended = spec.suspend ?? false
        if status.startTime == nil && !suspended { status.startTime = now }

        // 3. Decide whether the job has succeeded or failed.
        let successTarget = Self.condition(job, "SuccessCriteriaMet") != nil
        var failureTarget = Self.condition(job, "FailureTarget").map { ($0.reason ?? "", $0.message ?? "") }
        var succeeding = successTarget
        if !succeeding && failureTarget == nil {
            if indexed, let completions {
                succeeding = completed.indexes.count >= completions
            } else if let completions {
                succeeding = succeeded >= completions
            } else {
                succeeding = succeeded > 0 && running.isEmpty
            }
        }
        if !succeeding && failureTarget == nil {
            if let failJob {
                failureTarget = failJob
            } else if failed > (spec.backoffLimit ?? 6) {
                failureTarget = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
            } else if let deadline = spec.activeDeadlineSeconds, let start = status.startTime, !suspended {
                let end = start.secondsSinceEpoch + Int64(deadline)
                if now.secondsSinceEpoch >= end {
                    failureTarget = ("DeadlineExceeded", "Job was active longer than specified deadline")
                } else {
                    requeueAfter = .seconds(end - now.secondsSinceEpoch)
                }
            }
        }
        var conditions = status.conditions ?? []
        if let failureTarget {
            Self.set(&conditions, "FailureTarget", reason: failureTarget.0, message: failureTarget.1, now: now)
            delete = running.compactMap(\.metadata.name)
            if running.isEmpty && terminating.isEmpty && finalizers.isEmpty {
                Self.set(&conditions, "Failed", reason: failureTarget.0, message: failureTarget.1, now: now)
                events.append(Event(warning: true, reason: failureTarget.0, message: failureTarget.1))
                status.active = 0
            }
            status.conditions = conditions
            self.status = status
            return
        }
        if succeeding {
            let message = "Reached expected number of succeeded pods"
            Self.set(&conditions, "SuccessCriteriaMet", reason: "CompletionsReached", message: message, now: now)
            delete = running.compactMap(\.metadata.name)
            if running.isEmpty && terminating.isEmpty && finalizers.isEmpty {
                Self.set(&conditions, "Complete", reason: "CompletionsReached", message: message, now: now)
                status.completionTime = now
                events.append(Event(warning: false, reason: "Completed", message: "Job completed"))
            }
            status.conditions = conditions
            self.status = status
            return
        }
        status.conditions = conditions.isEmpty ? status.conditions : conditions

        // 4. Scale the active pods.
        var wanted = suspended ? 0 : parallelism
        if !indexed, let completions { wanted = min(wanted, max(0, completions - succeeded)) }
        if !indexed, completions == nil, succeeded > 0 { wanted = 0 }
        var createIndexes: [Int?] = []
        var deleteNames: [String] = []
        if indexed {
            let total = completions ?? 0
            var seen: Set<Int> = []
            var keep: [CoreV1.Pod] = []
            for pod in running.sorted(by: { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }) {
                if let index = Self.index(of: pod), index < total, !completed.indexes.contains(index), !seen.contains(index) {
                    seen.insert(index)
                    keep.append(pod)
                } else {
                    deleteNames.append(pod.metadata.name ?? "")
                }
            }
            if keep.count > wanted {
                deleteNames += Self.deletionOrder(keep).prefix(keep.count - wanted).compactMap(\.metadata.name)
            } else {
                let missing = (0..<total).filter { !completed.indexes.contains($0) && !seen.contains($0) }
                createIndexes = missing.prefix(wanted - keep.count).map { Optional($0) }
            }
        } else if running.count > wanted {
            deleteNames = Self.deletionOrder(running).prefix(running.count - wanted).compactMap(\.metadata.name)
        } else if running.count < wanted {
            createIndexes = Array(repeating: nil, count: wanted - running.count)
        }
        if !createIndexes.isEmpty, let lastFailure {
            let wait = backoff.delay(afterFailures: failed)
            let readyAt = Double(lastFailure.secondsSinceEpoch) + Double(wait.components.seconds)
                + Double(wait.components.attoseconds) / 1e18
            let remaining = readyAt - Double(now.secondsSinceEpoch)
            if remaining > 0 {
                createIndexes = []
                let delay = Duration.milliseconds(Int64(remaining * 1000))
                requeueAfter = requeueAfter.map { min($0, delay) } ?? delay
            }
        }
        create = createIndexes
        delete = deleteNames
        self.status = status
    }

    /// The completion index of an Indexed job's pod.
    static func index(of pod: CoreV1.Pod) -> Int? {
        (pod.metadata.annotations?[completionIndexKey] ?? pod.metadata.labels?[completionIndexKey]).flatMap { Int($0) }
    }

    /// Pods to delete first: not ready before ready, newer before older.
    static func deletionOrder(_ pods: [CoreV1.Pod]) -> [CoreV1.Pod] {
        pods.sorted { a, b in
            let ra = a.isReady, rb = b.isReady
            if ra != rb { return !ra }
            let ta = a.metadata.creationTimestamp?.secondsSinceEpoch ?? 0
            let tb = b.metadata.creationTimestamp?.secondsSinceEpoch ?? 0
            if ta != tb { return ta > tb }
            return (a.metadata.name ?? "") > (b.metadata.name ?? "")
        }
    }

    /// The job's condition of `type` if it is `True`.
    static func condition(_ job: BatchV1.Job, _ type: String) -> BatchV1.JobCondition? {
        job.status?.conditions?.first { $0.type == type && $0.status == "True" }
    }

    static func set(_ conditions: inout [BatchV1.JobCondition], _ type: String, reason: String, message: String, now: Time) {
        if let i = conditions.firstIndex(where: { $0.type == type }) {
            if conditions[i].status == "True" { return }
            conditions.remove(at: i)
        }
        conditions.append(BatchV1.JobCondition(
            lastProbeTime: now, lastTransitionTime: now, message: message, reason: reason, status: "True", type: type))
    }
}
