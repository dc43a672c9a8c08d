import APIServer
import ClusterTesting
@testable import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

@Suite struct TTLAfterFinishedTests {
    static func finished(ttl: Int?, at time: Time?) -> BatchV1.Job {
        BatchV1.Job(
            spec: BatchV1.JobSpec(ttlSecondsAfterFinished: ttl),
            status: BatchV1.JobStatus(conditions: time.map { [BatchV1.JobCondition(lastTransitionTime: $0, status: "True", type: "Complete")] }))
    }

    @Test func expiryIsFinishTimePlusTTL() {
        let t = Time(secondsSinceEpoch: 1000)
        #expect(TTLAfterFinishedController.expiry(of: Self.finished(ttl: 30, at: t)) == Time(secondsSinceEpoch: 1030))
        #expect(TTLAfterFinishedController.expiry(of: Self.finished(ttl: nil, at: t)) == nil)
        #expect(TTLAfterFinishedController.expiry(of: Self.finished(ttl: 30, at: nil)) == nil)
    }

    @Test func finishedJobIsDeletedAfterItsTTL() async throws {
        let clock = BatchTestClock(Date())
        try await BatchHarness.run(clock: clock, controllers: { [TTLAfterFinishedController(context: $0)] }) { _, client in
            let jobs = client.resource(BatchV1.Job.self)
            for (name, ttl) in [("short", 0), ("long", 3600)] {
                var job = try await jobs.create(BatchV1.Job(
                    metadata: MetaV1.ObjectMeta(name: name, namespace: "default"),
                    spec: BatchV1.JobSpec(template: CoreV1.PodTemplateSpec(spec: BatchHarness.podSpec()), ttlSecondsAfterFinished: ttl)))
                job.status = BatchV1.JobStatus(
                    completionTime: Time(clock.now),
                    conditions: [BatchV1.JobCondition(lastTransitionTime: Time(clock.now), status: "True", type: "Complete")],
                    startTime: Time(clock.now), succeeded: 1)
                _ = try await jobs.updateStatus(job)
            }
            try await eventually("short deleted") { () -> Void? in
                do { _ = try await jobs.get("short", namespace: "default"); return nil } catch let error as StatusError where error.code == 404 { return () }
            }
            #expect(try await jobs.get("long", namespace: "default").metadata.deletionTimestamp == nil)
            clock.advance(seconds: 3601)
            // A change to the job makes the controller look again with the new time.
            _ = try await jobs.patch("long", namespace: "default", type: .merge, body: ["metadata": ["labels": ["poke": "1"]]])
            try await eventually("long deleted") { () -> Void? in
                do { _ = try await jobs.get("long", namespace: "default"); return nil } catch let error as StatusError where error.code == 404 { return () }
            }
        }
    }
}
