import APIServer
import ClusterTesting
@testable import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct JobControllerTests {
    static func job(_ name: String, completions: Int, parallelism: Int, backoffLimit: Int = 6, indexed: Bool = false) -> BatchV1.Job {
        BatchV1.Job(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: BatchV1.JobSpec(
                backoffLimit: backoffLimit, completionMode: indexed ? "Indexed" : nil, completions: completions, parallelism: parallelism,
                template: CoreV1.PodTemplateSpec(spec: BatchHarness.podSpec())))
    }

    static func pods(_ client: KubeClient, job: String) async throws -> [CoreV1.Pod] {
        try await client.resource(CoreV1.Pod.self).list(namespace: "default", options: ListOptions(labelSelector: "batch.kubernetes.io/job-name=\(job)")).items
    }

    @Test func jobRunsPodsToCompletion() async throws {
        try await BatchHarness.run(controllers: { [JobController(context: $0, backoff: .none)] }) { _, client in
            _ = try await client.resource(BatchV1.Job.self).create(Self.job("pi", completions: 2, parallelism: 1))
            for round in 0..<2 {
                let pod = try await eventually("pod \(round)") {
                    try await Self.pods(client, job: "pi").first { $0.status?.phase != "Succeeded" && $0.status?.phase != "Failed" }
                }
                #expect(pod.metadata.finalizers?.contains(JobSync.trackingFinalizer) == true)
                #expect(pod.metadata.ownerReferences?.first?.kind == "Job")
                #expect(pod.metadata.labels?["job-name"] == "pi")
                #expect(pod.metadata.labels?["batch.kubernetes.io/controller-uid"] != nil)
                try await BatchHarness.setPhase(client, pod: pod.metadata.name!, phase: "Succeeded", exitCode: 0)
            }
            let done = try await eventually("Complete") {
                let job = try await client.resource(BatchV1.Job.self).get("pi", namespace: "default")
                return job.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } == true ? job : nil
            }
            #expect(done.status?.succeeded == 2)
            #expect(done.status?.failed ?? 0 == 0)
            #expect(done.status?.completionTime != nil)
            #expect(done.status?.startTime != nil)
            #expect(done.status?.conditions?.map(\.type) == ["SuccessCriteriaMet", "Complete"])
            let pods = try await Self.pods(client, job: "pi")
            #expect(pods.count == 2)
            #expect(pods.allSatisfy { ($0.metadata.finalizers ?? []).isEmpty })
            let events = try await eventually("events") {
                let events = try await BatchHarness.events(client, involving: "pi")
                return events.contains { $0.reason == "Completed" } ? events : nil
            }
            #expect(events.contains { $0.reason == "SuccessfulCreate" && $0.message?.hasPrefix("Created pod: pi-") == true })
            #expect(events.contains { $0.reason == "Completed" && $0.message == "Job completed" })
        }
    }

    @Test func failingPodsExhaustTheBackoffLimit() async throws {
        try await BatchHarness.run(controllers: { [JobController(context: $0, backoff: .none)] }) { _, client in
            _ = try await client.resource(BatchV1.Job.self).create(Self.job("fails", completions: 1, parallelism: 1, backoffLimit: 1))
            for round in 0..<2 {
                let pod = try await eventually("pod \(round)") {
                    try await Self.pods(client, job: "fails").first { $0.status?.phase != "Succeeded" && $0.status?.phase != "Failed" }
                }
                try await BatchHarness.setPhase(client, pod: pod.metadata.name!, phase: "Failed", exitCode: 1)
            }
            let failed = try await eventually("Failed") {
                let job = try await client.resource(BatchV1.Job.self).get("fails", namespace: "default")
                return job.status?.conditions?.contains { $0.type == "Failed" && $0.status == "True" } == true ? job : nil
            }
            #expect(failed.status?.failed == 2)
            #expect(failed.status?.conditions?.first { $0.type == "Failed" }?.reason == "BackoffLimitExceeded")
            #expect(try await Self.pods(client, job: "fails").count == 2)
            _ = try await eventually("event") {
                try await BatchHarness.events(client, involving: "fails").first { $0.reason == "BackoffLimitExceeded" }
            }
        }
    }

    @Test func indexedJobGivesEachPodItsIndex() async throws {
        try await BatchHarness.run(controllers: { [JobController(context: $0, backoff: .none)] }) { _, client in
            _ = try await client.resource(BatchV1.Job.self).create(Self.job("idx", completions: 3, parallelism: 3, indexed: true))
            let pods = try await eventually("3 pods") {
                let pods = try await Self.pods(client, job: "idx")
                return pods.count == 3 ? pods : nil
            }
            let indexes = pods.compactMap { $0.metadata.annotations?[JobSync.completionIndexKey] }.sorted()
            #expect(indexes == ["0", "1", "2"])
            for pod in pods {
                let index = pod.metadata.labels?[JobSync.completionIndexKey] ?? "?"
                #expect(pod.spec?.hostname == "idx-\(index)")
                #expect(pod.metadata.name?.hasPrefix("idx-\(index)-") == true)
                try await BatchHarness.setPhase(client, pod: pod.metadata.name!, phase: "Succeeded", exitCode: 0)
            }
            let done = try await eventually("Complete") {
                let job = try await client.resource(BatchV1.Job.self).get("idx", namespace: "default")
                return job.status?.conditions?.contains { $0.type == "Complete" } == true ? job : nil
            }
            #expect(done.status?.completedIndexes == "0-2")
            #expect(done.status?.succeeded == 3)
        }
    }
}
