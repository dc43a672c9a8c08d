import APIServer
import ClusterTesting
@testable import Controllers
import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// A settable clock for controllers under test.
final class BatchTestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Runs controllers against a fresh test API server while `body` acts on it.
enum BatchHarness {
    static func run(
        clock: BatchTestClock? = nil,
        controllers make: @escaping @Sendable (ControllerContext) -> [any Controller],
        _ body: @escaping @Sendable (TestAPIServer, KubeClient) async throws -> Void
    ) async throws {
        try await TestAPIServer.with { server in
            let factory = InformerFactory(client: server.client())
            let context = ControllerContext(
                informers: factory,
                clientFor: { server.client(as: .serviceAccount(namespace: "kube-system", name: $0)) },
                options: ControllerOptions(workers: 2),
                now: { clock?.now ?? Date() })
            let controllers = make(context)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await factory.run() }
                for controller in controllers { group.addTask { try await controller.run() } }
                try await body(server, server.client())
                group.cancelAll()
            }
        }
    }

    /// Sets a pod's phase (and `Ready`, and container exit code for terminated phases).
    static func setPhase(_ client: KubeClient, pod name: String, namespace: String = "default", phase: String, ready: Bool = false, exitCode: Int? = nil, finishedAt: Time? = nil) async throws {
        let pods = client.resource(CoreV1.Pod.self)
        var pod = try await pods.get(name, namespace: namespace)
        var status = pod.status ?? CoreV1.PodStatus()
        status.phase = phase
        status.conditions = [CoreV1.PodCondition(lastTransitionTime: Time.now(), status: ready ? "True" : "False", type: "Ready")]
        if let exitCode {
            status.containerStatuses = [CoreV1.ContainerStatus(
                image: "busybox", imageID: "", name: pod.spec?.containers?.first?.name ?? "main", ready: false, restartCount: 0,
                state: CoreV1.ContainerState(terminated: CoreV1.ContainerStateTerminated(exitCode: exitCode, finishedAt: finishedAt ?? Time.now())))]
        }
        pod.status = status
        _ = try await pods.updateStatus(pod)
    }

    static func podSpec(restartPolicy: String = "Never") -> CoreV1.PodSpec {
        CoreV1.PodSpec(containers: [CoreV1.Container(image: "busybox", name: "main")], restartPolicy: restartPolicy)
    }

    static func events(_ client: KubeClient, namespace: String = "default", involving name: String) async throws -> [CoreV1.Event] {
        try await client.resource(CoreV1.Event.self).list(namespace: namespace).items.filter { $0.involvedObject?.name == name }
    }
}
