import Foundation
import ClusterTesting
import KubeAPI
import KubeClient
import Testing

@Suite("Leader election and events")
struct LeaderElectionAndEventTests {
    @Test func onlyOneCandidateHoldsTheLease() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let a = LeaderElector(client: client, name: "test-lock", identity: "a")
            let b = LeaderElector(client: client, name: "test-lock", identity: "b")
            #expect(try await a.tryAcquireOrRenew())
            #expect(try await !b.tryAcquireOrRenew())
            #expect(try await a.tryAcquireOrRenew(), "the holder renews")
            let lease = try await client.resource(CoordinationV1.Lease.self).get("test-lock", namespace: "kube-system")
            #expect(lease.spec?.holderIdentity == "a")
            #expect(lease.spec?.leaseDurationSeconds == 15)
        }
    }

    @Test func anExpiredLeaseIsTakenOver() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let a = LeaderElector(client: client, name: "lock", identity: "a", now: { Date(timeIntervalSince1970: 1_000_000) })
            let b = LeaderElector(client: client, name: "lock", identity: "b", now: { Date(timeIntervalSince1970: 1_000_016) })
            #expect(try await a.tryAcquireOrRenew())
            #expect(try await b.tryAcquireOrRenew())
            let lease = try await client.resource(CoordinationV1.Lease.self).get("lock", namespace: "kube-system")
            #expect(lease.spec?.holderIdentity == "b")
            #expect(lease.spec?.leaseTransitions == 1)
        }
    }

    @Test func runStartsWorkOnlyWhileLeading() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let elector = LeaderElector(client: client, name: "run-lock", identity: "me", retryPeriod: .milliseconds(50))
            let started = Latch()
            let task = Task { try await elector.run { started.open(); try await Task.sleep(for: .seconds(3600)) } }
            await started.wait()
            task.cancel()
            _ = await task.result
            let lease = try await client.resource(CoordinationV1.Lease.self).get("run-lock", namespace: "kube-system")
            #expect(lease.spec?.holderIdentity == nil, "released on the way out")
        }
    }

    @Test func repeatedEventsAreAggregated() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let recorder = EventRecorder(client: client, component: "test-controller")
            let run = Task { await recorder.run() }
            defer { run.cancel() }
            let map = try await client.resource(CoreV1.ConfigMap.self).create(CoreV1.ConfigMap(metadata: .init(name: "m", namespace: "default")))
            for _ in 0..<3 { recorder.record(map, type: .warning, reason: "Broken", message: "it broke") }
            recorder.record(map, type: .normal, reason: "Fixed", message: "fixed")
            let events = try await eventually("two events, Broken counted 3 times") { () -> [CoreV1.Event]? in
                let events = try await client.resource(CoreV1.Event.self).list(namespace: "default").items
                return events.count == 2 && events.first(where: { $0.reason == "Broken" })?.count == 3 ? events : nil
            }
            let broken = try #require(events.first { $0.reason == "Broken" })
            #expect(broken.count == 3)
            #expect(broken.type == "Warning")
            #expect(broken.involvedObject?.name == "m")
            #expect(broken.involvedObject?.kind == "ConfigMap")
            #expect(broken.source?.component == "test-controller")
            #expect(events.count == 2)
        }
    }
}
