import ClusterTesting
import KubeAPI
import KubeClient
import Logging
import Synchronization
import Testing
@testable import Scheduler

/// Passes requests through, except that the first `pods/binding` of the named pod is answered
/// with a 500 Status.
final class FailingFirstBinding: KubeTransport {
    let inner: any KubeTransport
    let pod: String
    let failed = Mutex(false)

    init(_ inner: any KubeTransport, pod: String) {
        self.inner = inner
        self.pod = pod
    }

    func send(_ request: KubeRequest) async throws -> KubeResponse {
        if request.method == .post, request.path.hasSuffix("/pods/\(pod)/binding"),
           failed.withLock({ done in defer { done = true }; return !done }) {
            let status = #"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected failure","reason":"InternalError","code":500}"#
            return KubeResponse(status: 500, headers: [("Content-Type", "application/json")], body: Array(status.utf8))
        }
        return try await inner.send(request)
    }

    func stream(_ request: KubeRequest) async throws -> KubeStreamResponse { try await inner.stream(request) }
}

@Suite("Scheduler binding failures", .serialized, .timeLimit(.minutes(3)))
struct BindingFailureTests {
    @Test func aFailedBindingForgetsTheAssumedPodAndRetriesIt() async throws {
        try await TestAPIServer.with { server in
            let client = server.client()
            let logger = Logger(label: "scheduler-test", factory: { _ in SwiftLogNoOpLogHandler() })
            let informers = InformerFactory(client: client, logger: logger)
            let flaky = KubeClient(transport: FailingFirstBinding(server.server.transport(as: .admin), pod: "flaky"))
            let scheduler = Scheduler(client: flaky, informers: informers, logger: logger)
            let informerTask = Task { await informers.run() }
            let schedulerTask = Task { try await scheduler.run() }
            defer {
                schedulerTask.cancel()
                informerTask.cancel()
            }
            // Room for exactly one pod.
            let nodes = client.resource(CoreV1.Node.self)
            var node = try await nodes.create(Fixtures.node("node-a", pods: "1"))
            if node.status?.allocatable == nil {
                node.status = Fixtures.node("node-a", pods: "1").status
                _ = try await nodes.updateStatus(node)
            }
            let pods = client.resource(CoreV1.Pod.self)
            _ = try await pods.create(Fixtures.pod("flaky", cpu: "10m"), namespace: "default")
            let rejected = try await eventually("FailedScheduling for the rejected binding", timeout: .seconds(60)) {
                try await client.resource(CoreV1.Event.self).list(namespace: "default").items
                    .first { $0.reason == "FailedScheduling" && $0.involvedObject?.name == "flaky" }
            }
            #expect(rejected.message?.contains("Binding rejected") == true)
            // After its backoff the pod is scheduled again and bound: the failed attempt's
            // assumption no longer holds the node's only slot.
            let bound = try await eventually("flaky bound on retry", timeout: .seconds(60)) {
                try await pods.get("flaky", namespace: "default").spec?.nodeName
            }
            #expect(bound == "node-a")
            // The slot is taken once, not twice: a second pod does not fit.
            _ = try await pods.create(Fixtures.pod("second", cpu: "10m"), namespace: "default")
            let unschedulable = try await eventually("second pod found unschedulable", timeout: .seconds(60)) {
                try await pods.get("second", namespace: "default").status?.conditions?
                    .first { $0.type == "PodScheduled" && $0.status == "False" }
            }
            #expect(unschedulable.message?.contains("Too many pods") == true)
            schedulerTask.cancel()
            informerTask.cancel()
            _ = await schedulerTask.result
        }
    }
}
