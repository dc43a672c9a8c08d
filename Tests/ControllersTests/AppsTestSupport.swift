import APIServer
import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Testing

/// Runs the controllers `make` builds (plus their informers) against a fresh test API
/// server while `body` acts through an admin client.
func withAppsControllers(
    _ make: @escaping @Sendable (ControllerContext) -> [any Controller],
    _ body: @escaping @Sendable (TestAPIServer, KubeClient) async throws -> Void
) async throws {
    try await TestAPIServer.with { server in
        let factory = InformerFactory(client: server.client())
        let context = ControllerContext(
            informers: factory, clientFor: { server.client(as: .serviceAccount(namespace: "kube-system", name: $0)) },
            options: ControllerOptions(workers: 2))
        let controllers = make(context)
        let running = Task {
            await withTaskGroup(of: Void.self) { group in
                for controller in controllers { group.addTask { try? await controller.run() } }
                group.addTask { await factory.run() }
                await group.waitForAll()
            }
        }
        defer { running.cancel() }
        do {
            try await body(server, server.client())
        } catch {
            running.cancel()
            _ = await running.value
            throw error
        }
        running.cancel()
        _ = await running.value
    }
}

/// Marks every active pod matching `selector` Running and Ready (what a kubelet would do).
@discardableResult
func markPodsReady(_ client: KubeClient, namespace: String = "default", selector: String? = nil) async throws -> Int {
    let pods = client.resource(CoreV1.Pod.self)
    var marked = 0
    for var pod in try await pods.list(namespace: namespace, options: ListOptions(labelSelector: selector)).items {
        guard pod.metadata.deletionTimestamp == nil, !pod.isReady else { continue }
        var status = pod.status ?? CoreV1.PodStatus()
        status.phase = "Running"
        status.conditions = [CoreV1.PodCondition(lastTransitionTime: Time(Date()), status: "True", type: "Ready")]
        pod.status = status
        if (try? await pods.updateStatus(pod)) != nil { marked += 1 }
    }
    return marked
}

/// Keeps marking pods ready in the background until cancelled.
func readyMaker(_ client: KubeClient, namespace: String = "default") -> Task<Void, Never> {
    Task {
        while !Task.isCancelled {
            _ = try? await markPodsReady(client, namespace: namespace)
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// A pod template with `labels` running `image`.
func appsTemplate(_ labels: [String: String], image: String = "nginx:1.25") -> CoreV1.PodTemplateSpec {
    CoreV1.PodTemplateSpec(
        metadata: MetaV1.ObjectMeta(labels: labels),
        spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: image, name: "main")]))
}

/// Active (not terminating) pods matching `selector`.
func activePods(_ client: KubeClient, _ selector: String, namespace: String = "default") async throws -> [CoreV1.Pod] {
    try await client.resource(CoreV1.Pod.self).list(namespace: namespace, options: ListOptions(labelSelector: selector)).items
        .filter { $0.metadata.deletionTimestamp == nil }
}

/// Event reasons and messages recorded about `name`.
func eventMessages(_ client: KubeClient, about name: String, namespace: String = "default") async throws -> [String] {
    try await client.resource(CoreV1.Event.self).list(namespace: namespace).items
        .filter { $0.involvedObject?.name == name }
        .map { "\($0.reason ?? ""): \($0.message ?? "")" }
}
