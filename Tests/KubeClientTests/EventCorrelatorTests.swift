import ClusterTesting
import KubeAPI
@testable import KubeClient
import Testing

@Suite("Event correlation")
struct EventCorrelatorTests {
    static func object(_ name: String) -> EventCorrelator.ObjectKey {
        EventCorrelator.ObjectKey(uid: "uid-" + name, kind: "ReplicaSet", apiVersion: "apps/v1", namespace: "default", name: name)
    }

    /// Correlates and, like the recorder after a successful write, records the result.
    static func write(_ correlator: inout EventCorrelator, _ name: String, reason: String = "SuccessfulCreate",
                      message: String, fieldPath: String = "", now: Int64 = 1000) -> EventCorrelator.Decision {
        let decision = correlator.correlate(object: object(name), fieldPath: fieldPath, type: "Normal", reason: reason, message: message, now: now)
        switch decision {
        case .create(let key, _): correlator.recorded(key, as: .init(name: name + ".e", namespace: "default", count: 1))
        case .patch(let key, let written, _):
            correlator.recorded(key, as: .init(name: written.name, namespace: written.namespace, count: written.count + 1))
        case .skip: break
        }
        return decision
    }

    @Test func repeatsPatchTheFirstEvent() {
        var correlator = EventCorrelator()
        guard case .create = Self.write(&correlator, "rs", message: "same") else { Issue.record("first is created"); return }
        guard case .patch(_, let written, let message) = Self.write(&correlator, "rs", message: "same") else {
            Issue.record("a repeat patches"); return
        }
        #expect(written.count == 1)
        #expect(message == "same")
    }

    @Test func tenDifferentMessagesAreCombinedIntoOneEvent() {
        var correlator = EventCorrelator()
        var creates: [String] = []
        var patches: [String] = []
        for i in 0..<20 {
            switch Self.write(&correlator, "rs", message: "Created pod: p\(i)") {
            case .create(_, let message): creates.append(message)
            case .patch(_, _, let message): patches.append(message)
            case .skip: Issue.record("within the burst nothing is dropped")
            }
        }
        // Nine distinct events, then one combined event that the rest raise the count of.
        #expect(creates.count == 10)
        #expect(creates.prefix(9).allSatisfy { !$0.hasPrefix(EventCorrelator.combinedPrefix) })
        #expect(creates.last == EventCorrelator.combinedPrefix + "Created pod: p9")
        #expect(patches.count == 10)
        #expect(patches.last == EventCorrelator.combinedPrefix + "Created pod: p19")
    }

    @Test func similarMessagesAreForgottenAfterTheWindow() {
        var correlator = EventCorrelator()
        for i in 0..<9 { _ = Self.write(&correlator, "rs", message: "m\(i)", now: 0) }
        // Eleven minutes later the tenth message starts a new group instead of being combined.
        guard case .create(_, let message) = Self.write(&correlator, "rs", message: "m9", now: 660) else {
            Issue.record("created"); return
        }
        #expect(message == "m9")
    }

    @Test func spamFilterAllowsABurstPerObjectThenRefills() {
        var correlator = EventCorrelator()
        var written = 0
        for i in 0..<100 {
            if Self.write(&correlator, "rs", message: "Created pod: p\(i)", now: 0) != .skip { written += 1 }
        }
        #expect(written == 25)
        // Another object has its own budget.
        #expect(Self.write(&correlator, "other", message: "x", now: 0) != .skip)
        // One more write after five minutes, not two.
        #expect(Self.write(&correlator, "rs", message: "late", now: 300) != .skip)
        #expect(Self.write(&correlator, "rs", message: "later", now: 300) == .skip)
    }

    @Test func eventsForManyPodsAreNotCombinedAcrossPods() {
        // Each pod is its own object: one Scheduled event each, as upstream.
        var correlator = EventCorrelator()
        for i in 0..<50 {
            guard case .create(_, let message) = Self.write(&correlator, "pod-\(i)", reason: "Scheduled", message: "Successfully assigned default/pod-\(i) to n")
            else { Issue.record("pod-\(i) gets its own event"); return }
            #expect(!message.hasPrefix(EventCorrelator.combinedPrefix))
        }
    }

    @Test func recorderWritesABoundedNumberOfEventsForABurstAboutOneObject() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let recorder = EventRecorder(client: client, component: "test-controller", writers: 4)
            let run = Task { await recorder.run() }
            defer { run.cancel() }
            let map = try await client.resource(CoreV1.ConfigMap.self).create(CoreV1.ConfigMap(metadata: .init(name: "m", namespace: "default")))
            for i in 0..<200 { recorder.record(map, type: .normal, reason: "Touched", message: "touch \(i)") }
            let pods = (0..<20).map { CoreV1.ObjectReference(apiVersion: "v1", kind: "Pod", name: "p\($0)", namespace: "default", uid: "u\($0)") }
            for pod in pods { recorder.record(pod, type: .normal, reason: "Scheduled", message: "assigned \(pod.name ?? "")") }
            let events = try await eventually("combined event and every pod's event") { () -> [CoreV1.Event]? in
                let events = try await client.resource(CoreV1.Event.self).list(namespace: "default").items
                let combined = events.first { $0.message?.hasPrefix(EventCorrelator.combinedPrefix) == true }
                let scheduled = events.filter { $0.reason == "Scheduled" }.count
                // 25 writes: 9 single events, the combined one created, then raised 15 times.
                return combined?.count == 16 && scheduled == 20 ? events : nil
            }
            let touched = events.filter { $0.reason == "Touched" }
            #expect(touched.count == 10)
            #expect(touched.filter { $0.message?.hasPrefix(EventCorrelator.combinedPrefix) == true }.count == 1)
        }
    }
}
