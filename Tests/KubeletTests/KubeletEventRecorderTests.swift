import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Kubelet

@Suite("KubeletEventRecorder")
struct KubeletEventRecorderTests {
    let logger = Logger(label: "events-test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test("an event names the pod, the container and the node; a repeat raises its count")
    func recordsAndAggregates() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let recorder = KubeletEventRecorder(client: client, nodeName: "node-a", logger: logger)
            let task = Task { await recorder.run() }
            defer { task.cancel() }
            let pod = makePod()
            let path = KubeletEventRecorder.fieldPath(container: "main")
            recorder.record(pod: pod, type: "Warning", reason: "BackOff", message: "Back-off restarting failed container", fieldPath: path)
            recorder.record(pod: pod, type: "Warning", reason: "BackOff", message: "Back-off restarting failed container", fieldPath: path)
            recorder.record(pod: pod, type: "Normal", reason: "Scheduled", message: "other")
            let events = client.resource(CoreV1.Event.self)
            // The recorder writes in the background: wait for the last event recorded too.
            let backOff = try await eventually("the BackOff event counted twice, and the Scheduled event") { () -> CoreV1.Event? in
                let list = try await events.list(namespace: "default")
                guard list.items.contains(where: { $0.reason == "Scheduled" }) else { return nil }
                return list.items.first { $0.reason == "BackOff" && $0.count == 2 }
            }
            #expect(backOff.type == "Warning")
            #expect(backOff.source?.component == "kubelet")
            #expect(backOff.source?.host == "node-a")
            #expect(backOff.involvedObject?.kind == "Pod")
            #expect(backOff.involvedObject?.name == "web")
            #expect(backOff.involvedObject?.uid == "uid-1")
            #expect(backOff.involvedObject?.fieldPath == "spec.containers{main}")
            let all = try await events.list(namespace: "default").items
            #expect(all.filter { $0.reason == "BackOff" }.count == 1)
            #expect(all.first { $0.reason == "Scheduled" }?.type == "Normal")
        }
    }
}
