import APIServer
import ClusterTesting
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization
import Testing

/// A clock a test moves by hand.
final class TestClock: Sendable {
    let current: Mutex<Date>
    init(_ start: Date = Date(timeIntervalSince1970: 1_900_000_000)) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Runs `controllers` (built from a context over a fresh test API server) while `body` acts
/// through an admin client.
func withControllers<T: Sendable>(
    options: ControllerOptions = .init(), clock: TestClock? = nil,
    _ make: @escaping @Sendable (ControllerContext) -> [any Controller],
    body: @Sendable (TestAPIServer, KubeClient) async throws -> T
) async throws -> T {
    try await TestAPIServer.with { server in
        let factory = InformerFactory(client: server.client(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let now: @Sendable () -> Date
        if let clock { now = { clock.now() } } else { now = { Date() } }
        let context = ControllerContext(
            informers: factory, clientFor: { server.client(as: .serviceAccount(namespace: "kube-system", name: $0)) },
            options: options, now: now,
            logger: Logger(label: "controllers", factory: { _ in SwiftLogNoOpLogHandler() }))
        let manager = ControllerManager(context: context, controllers: make(context))
        let task = Task { await manager.run() }
        do {
            let result = try await body(server, server.client())
            task.cancel()
            await task.value
            return result
        } catch {
            task.cancel()
            await task.value
            throw error
        }
    }
}

/// Whether reading the object fails with 404.
func isGone<Object: KubernetesObject>(_ client: ResourceClient<Object>, _ name: String, namespace: String? = nil) async -> Bool {
    do {
        _ = try await client.get(name, namespace: namespace)
        return false
    } catch let error as StatusError {
        return error.code == 404
    } catch {
        return false
    }
}

/// Marks a pod running with `ip`, ready or not, through `pods/status`.
func setPodStatus(_ client: KubeClient, _ name: String, namespace: String = "default", ip: String?, ready: Bool, phase: String = "Running") async throws {
    let pods = client.resource(CoreV1.Pod.self)
    var pod = try await pods.get(name, namespace: namespace)
    pod.status = CoreV1.PodStatus(
        conditions: [CoreV1.PodCondition(lastTransitionTime: Time.now(), status: ready ? "True" : "False", type: "Ready")],
        phase: phase, podIP: ip, podIPs: ip.map { [CoreV1.PodIP(ip: $0)] })
    _ = try await pods.updateStatus(pod)
}
