import APIServer
import ClusterTesting
@testable import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct CronJobControllerTests {
    static func cronJob(_ name: String, schedule: String, policy: String? = nil, successfulHistory: Int? = nil) -> BatchV1.CronJob {
        BatchV1.CronJob(
            metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
            spec: BatchV1.CronJobSpec(
                concurrencyPolicy: policy,
                jobTemplate: BatchV1.JobTemplateSpec(
                    metadata: MetaV1.ObjectMeta(labels: ["app": name]),
                    spec: BatchV1.JobSpec(template: CoreV1.PodTemplateSpec(spec: BatchHarness.podSpec()))),
                schedule: schedule, successfulJobsHistoryLimit: successfulHistory))
    }

    static func ownedJobs(_ client: KubeClient, _ owner: String) async throws -> [BatchV1.Job] {
        try await client.resource(BatchV1.Job.self).list(namespace: "default").items
            .filter { $0.metadata.ownerReferences?.first?.name == owner }
            .sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }

    static func complete(_ client: KubeClient, _ name: String) async throws {
        let jobs = client.resource(BatchV1.Job.self)
        var job = try await jobs.get(name, namespace: "default")
        let now = Time.now()
        job.status = BatchV1.JobStatus(
            completionTime: now, conditions: [BatchV1.JobCondition(lastTransitionTime: now, status: "True", type: "Complete")],
            startTime: now, succeeded: 1)
        _ = try await jobs.updateStatus(job)
    }

    @Test func everyMinuteScheduleFiresWhenTheClockAdvances() async throws {
        let clock = BatchTestClock(Date())
        try await BatchHarness.run(clock: clock, controllers: { [CronJobController(context: $0, maximumWait: .milliseconds(50))] }) { _, client in
            _ = try await client.resource(BatchV1.CronJob.self).create(Self.cronJob("tick", schedule: "*/1 * * * *", successfulHistory: 1))
            #expect(try await Self.ownedJobs(client, "tick").isEmpty)
            clock.advance(seconds: 61)
            let first = try await eventually("first job") { try await Self.ownedJobs(client, "tick").first }
            let scheduled = try #require(Time(first.metadata.annotations?[CronJobController.scheduledTimestampAnnotation] ?? ""))
            #expect(first.metadata.name == "tick-\(scheduled.secondsSinceEpoch / 60)")
            #expect(scheduled.secondsSinceEpoch % 60 == 0)
            #expect(first.metadata.labels?["app"] == "tick")
            #expect(first.metadata.ownerReferences?.first?.controller == true)
            let active = try await eventually("active") {
                let cronJob = try await client.resource(BatchV1.CronJob.self).get("tick", namespace: "default")
                return cronJob.status?.active?.first
            }
            #expect(active.name == first.metadata.name)

            try await Self.complete(client, first.metadata.name!)
            let afterSuccess = try await eventually("lastSuccessfulTime") {
                let cronJob = try await client.resource(BatchV1.CronJob.self).get("tick", namespace: "default")
                return cronJob.status?.lastSuccessfulTime != nil && cronJob.status?.active == nil ? cronJob : nil
            }
            #expect(afterSuccess.status?.lastScheduleTime == scheduled)

            clock.advance(seconds: 60)
            let second = try await eventually("second job") {
                try await Self.ownedJobs(client, "tick").first { $0.metadata.name != first.metadata.name }
            }
            try await Self.complete(client, second.metadata.name!)
            // History limit 1: the first finished job goes.
            try await eventually("first job pruned") {
                try await Self.ownedJobs(client, "tick").map(\.metadata.name) == [second.metadata.name] ? () : nil
            }
            let events = try await eventually("events") {
                let events = try await BatchHarness.events(client, involving: "tick")
                return events.contains { $0.reason == "SuccessfulDelete" } ? events : nil
            }
            #expect(events.contains { $0.reason == "SuccessfulCreate" && $0.message == "Created job \(first.metadata.name!)" })
            #expect(events.contains { $0.reason == "SawCompletedJob" })
        }
    }

    @Test func forbidSkipsWhileAJobRunsAndReplaceSwapsIt() async throws {
        let clock = BatchTestClock(Date())
        try await BatchHarness.run(clock: clock, controllers: { [CronJobController(context: $0, maximumWait: .milliseconds(50))] }) { _, client in
            _ = try await client.resource(BatchV1.CronJob.self).create(Self.cronJob("forbid", schedule: "* * * * *", policy: "Forbid"))
            _ = try await client.resource(BatchV1.CronJob.self).create(Self.cronJob("replace", schedule: "* * * * *", policy: "Replace"))
            clock.advance(seconds: 61)
            let forbidFirst = try await eventually("forbid job") { try await Self.ownedJobs(client, "forbid").first }
            let replaceFirst = try await eventually("replace job") { try await Self.ownedJobs(client, "replace").first }
            // The controller must have seen its jobs before the clock moves on.
            for name in ["forbid", "replace"] {
                _ = try await eventually("\(name) active") {
                    try await client.resource(BatchV1.CronJob.self).get(name, namespace: "default").status?.active?.first
                }
            }
            clock.advance(seconds: 60)
            try await eventually("replaced") { () -> Void? in
                let jobs = try await Self.ownedJobs(client, "replace").filter { $0.metadata.deletionTimestamp == nil }
                return jobs.count == 1 && jobs[0].metadata.name != replaceFirst.metadata.name ? () : nil
            }
            _ = try await eventually("JobAlreadyActive") {
                try await BatchHarness.events(client, involving: "forbid").first { $0.reason == "JobAlreadyActive" }
            }
            let forbidJobs = try await Self.ownedJobs(client, "forbid")
            #expect(forbidJobs.map(\.metadata.name) == [forbidFirst.metadata.name], "\(forbidJobs.map { ($0.metadata.name ?? "", $0.metadata.annotations ?? [:]) })")
        }
    }

    @Test func badScheduleAndZoneAreReported() async throws {
        try await BatchHarness.run(controllers: { [CronJobController(context: $0, maximumWait: .milliseconds(50))] }) { server, client in
            // The API server may reject these outright; write them past validation only if it accepts.
            var zoned = Self.cronJob("zoned", schedule: "0 * * * *")
            zoned.spec?.timeZone = "Mars/Olympus_Mons"
            do {
                _ = try await client.resource(BatchV1.CronJob.self).create(zoned)
            } catch let error as StatusError where error.code == 422 {
                return
            }
            _ = try await eventually("UnknownTimeZone") {
                try await BatchHarness.events(client, involving: "zoned").first { $0.reason == "UnknownTimeZone" }
            }
        }
    }
}
