@testable import Controllers
import Foundation
import KubeAPI
import Testing

@Suite struct JobSyncTests {
    static let now = Time(secondsSinceEpoch: 1_800_000_000)

    static func job(completions: Int? = 1, parallelism: Int = 1, backoffLimit: Int = 6, indexed: Bool = false,
                    deadline: Int? = nil, policy: BatchV1.PodFailurePolicy? = nil, status: BatchV1.JobStatus? = nil) -> BatchV1.Job {
        BatchV1.Job(
            metadata: MetaV1.ObjectMeta(name: "pi", namespace: "default", uid: "job-uid"),
            spec: BatchV1.JobSpec(
                activeDeadlineSeconds: deadline, backoffLimit: backoffLimit, completionMode: indexed ? "Indexed" : "NonIndexed",
                completions: completions, parallelism: parallelism, podFailurePolicy: policy,
                template: CoreV1.PodTemplateSpec(spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "busybox", name: "main")]))),
            status: status)
    }

    static func pod(_ name: String, phase: String, index: Int? = nil, exitCode: Int? = nil, tracked: Bool = true, ready: Bool = false) -> CoreV1.Pod {
        var annotations: [String: String]?
        if let index { annotations = [JobSync.completionIndexKey: String(index)] }
        return CoreV1.Pod(
            metadata: MetaV1.ObjectMeta(annotations: annotations, finalizers: tracked ? [JobSync.trackingFinalizer] : nil, name: name, namespace: "default", uid: "uid-\(name)"),
            status: CoreV1.PodStatus(
                conditions: [CoreV1.PodCondition(status: ready ? "True" : "False", type: "Ready")],
                containerStatuses: exitCode.map { [CoreV1.ContainerStatus(name: "main", state: CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: $0)))] },
                phase: phase))
    }

    @Test func newJobCreatesParallelismPodsAndStarts() {
        let sync = JobSync(job: Self.job(completions: 5, parallelism: 2), pods: [], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.create == [nil, nil])
        #expect(sync.status.startTime == Self.now)
        #expect(sync.status.active == 0)
    }

    @Test func parallelismIsCappedByRemainingCompletions() {
        let sync = JobSync(job: Self.job(completions: 3, parallelism: 5, status: BatchV1.JobStatus(succeeded: 2)), pods: [], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.create.count == 1)
    }

    @Test func finishedPodIsRecordedReleasedAndCounted() {
        let pods = [Self.pod("a", phase: "Succeeded"), Self.pod("b", phase: "Running", ready: true)]
        let sync = JobSync(job: Self.job(completions: 3, parallelism: 2), pods: pods, now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.recordedStatus?.uncountedTerminatedPods?.succeeded == ["uid-a"])
        #expect(sync.finalizersToRemove == ["a"])
        #expect(sync.status.succeeded == 1)
        #expect(sync.status.uncountedTerminatedPods == nil)
        #expect(sync.status.active == 1)
        #expect(sync.status.ready == 1)
        #expect(sync.create.count == 1)
    }

    @Test func alreadyRecordedPodIsNotCountedTwice() {
        let status = BatchV1.JobStatus(succeeded: 0, uncountedTerminatedPods: BatchV1.UncountedTerminatedPods(succeeded: ["uid-a"]))
        let sync = JobSync(job: Self.job(completions: 2, status: status), pods: [Self.pod("a", phase: "Succeeded")], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.recordedStatus == nil)
        #expect(sync.finalizersToRemove == ["a"])
        #expect(sync.status.succeeded == 1)
    }

    @Test func untrackedFinishedPodIsIgnored() {
        let sync = JobSync(job: Self.job(completions: 2, status: BatchV1.JobStatus(succeeded: 1)), pods: [Self.pod("a", phase: "Succeeded", tracked: false)], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.status.succeeded == 1)
        #expect(sync.finalizersToRemove.isEmpty)
    }

    @Test func completionGoesThroughSuccessCriteriaMetToComplete() {
        var sync = JobSync(job: Self.job(completions: 1), pods: [Self.pod("a", phase: "Succeeded")], now: Self.now, lastFailure: nil, backoff: .none)
        // Finalizer still to remove: only the success target so far.
        #expect(sync.status.conditions?.map(\.type) == ["SuccessCriteriaMet"])
        #expect(sync.events.isEmpty)
        var job = Self.job(completions: 1, status: sync.status)
        sync = JobSync(job: job, pods: [Self.pod("a", phase: "Succeeded", tracked: false)], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.status.conditions?.map(\.type) == ["SuccessCriteriaMet", "Complete"])
        #expect(sync.status.completionTime == Self.now)
        #expect(sync.events.map(\.reason) == ["Completed"])
        #expect(sync.status.conditions?.last?.reason == "CompletionsReached")
        job.status = sync.status
        #expect(JobSync(job: job, pods: [], now: Self.now, lastFailure: nil, backoff: .none).create.isEmpty)
    }

    @Test func backoffLimitFailsTheJobAfterActivePodsAreGone() {
        let pods = [Self.pod("a", phase: "Failed", exitCode: 1), Self.pod("b", phase: "Running")]
        var sync = JobSync(job: Self.job(completions: 2, parallelism: 2, backoffLimit: 0), pods: pods, now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.status.conditions?.map(\.type) == ["FailureTarget"])
        #expect(sync.status.conditions?.first?.reason == "BackoffLimitExceeded")
        #expect(sync.delete == ["b"])
        #expect(sync.create.isEmpty)
        let job = Self.job(completions: 2, parallelism: 2, backoffLimit: 0, status: sync.status)
        sync = JobSync(job: job, pods: [Self.pod("a", phase: "Failed", tracked: false)], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.status.conditions?.map(\.type) == ["FailureTarget", "Failed"])
        #expect(sync.events.map(\.reason) == ["BackoffLimitExceeded"])
        #expect(sync.events.first?.warning == true)
    }

    @Test func failedPodIsReplacedOnlyAfterTheBackoff() {
        let job = Self.job(completions: 1, status: BatchV1.JobStatus(failed: 1))
        let lastFailure = Time(secondsSinceEpoch: Self.now.secondsSinceEpoch - 5)
        let waiting = JobSync(job: job, pods: [], now: Self.now, lastFailure: lastFailure, backoff: JobBackoff())
        #expect(waiting.create.isEmpty)
        #expect(waiting.requeueAfter == .seconds(5))
        let later = Time(secondsSinceEpoch: Self.now.secondsSinceEpoch + 5)
        #expect(JobSync(job: job, pods: [], now: later, lastFailure: lastFailure, backoff: JobBackoff()).create.count == 1)
    }

    @Test(arguments: [(0, 0), (1, 10), (2, 20), (3, 40), (6, 320), (7, 360), (40, 360)])
    func backoffDoublesUpToTheCap(failures: Int, seconds: Int) {
        #expect(JobBackoff().delay(afterFailures: failures) == .seconds(seconds))
    }

    @Test func deadlineFailsTheJob() {
        let started = Time(secondsSinceEpoch: Self.now.secondsSinceEpoch - 100)
        let job = Self.job(completions: 1, deadline: 60, status: BatchV1.JobStatus(startTime: started))
        let sync = JobSync(job: job, pods: [], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.status.conditions?.map(\.reason) == ["DeadlineExceeded", "DeadlineExceeded"])
        #expect(sync.events.map(\.reason) == ["DeadlineExceeded"])
        let early = JobSync(job: Self.job(completions: 1, deadline: 600, status: BatchV1.JobStatus(startTime: started)), pods: [], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(early.requeueAfter == .seconds(500))
    }

    @Test func podFailurePolicyDecides() {
        let policy = BatchV1.PodFailurePolicy(rules: [
            BatchV1.PodFailurePolicyRule(action: "FailJob", onExitCodes: BatchV1.PodFailurePolicyOnExitCodesRequirement(operator: "In", values: [42])),
            BatchV1.PodFailurePolicyRule(action: "Ignore", onPodConditions: [BatchV1.PodFailurePolicyOnPodConditionsPattern(status: "True", type: "DisruptionTarget")]),
        ])
        #expect(JobSync.failurePolicyAction(policy, pod: Self.pod("a", phase: "Failed", exitCode: 42))
                == .failJob("Container main for pod default/a failed with exit code 42 matching FailJob rule at index 0"))
        #expect(JobSync.failurePolicyAction(policy, pod: Self.pod("a", phase: "Failed", exitCode: 1)) == .count)
        var disrupted = Self.pod("b", phase: "Failed", exitCode: 137)
        disrupted.status?.conditions = [CoreV1.PodCondition(status: "True", type: "DisruptionTarget")]
        #expect(JobSync.failurePolicyAction(policy, pod: disrupted) == .ignore)

        let ignored = JobSync(job: Self.job(completions: 1, backoffLimit: 0, policy: policy), pods: [disrupted], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(ignored.status.failed == 0)
        #expect(ignored.finalizersToRemove == ["b"])
        #expect(ignored.create.count == 1)
        let failing = JobSync(job: Self.job(completions: 1, backoffLimit: 6, policy: policy), pods: [Self.pod("a", phase: "Failed", exitCode: 42)], now: Self.now, lastFailure: nil, backoff: .none)
        #expect(failing.status.conditions?.first?.reason == "PodFailurePolicy")
    }

    @Test func indexedJobCreatesMissingIndexes() {
        let pods = [Self.pod("pi-1", phase: "Succeeded", index: 1), Self.pod("pi-3", phase: "Running", index: 3), Self.pod("dup", phase: "Running", index: 3)]
        let sync = JobSync(job: Self.job(completions: 4, parallelism: 3, indexed: true), pods: pods, now: Self.now, lastFailure: nil, backoff: .none)
        #expect(sync.status.completedIndexes == "1")
        #expect(sync.delete == ["pi-3"])  // a second pod for index 3 goes
        #expect(sync.create == [0, 2])
    }

    @Test(arguments: [("1,3-5,7", [1, 3, 4, 5, 7], "1,3-5,7"), ("0-1", [0, 1], "0-1"), ("", [], ""), ("x,2,9-8,20", [2], "2")])
    func completedIndexesRoundTrip(text: String, indexes: [Int], rendered: String) {
        let parsed = CompletedIndexes(parsing: text, completions: 10)
        #expect(parsed.indexes == Set(indexes))
        #expect(parsed.text == rendered)
    }
}
