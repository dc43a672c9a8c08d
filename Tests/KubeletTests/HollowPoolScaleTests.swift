import ClusterTesting
import Foundation
import KubeAPI
import KubeClient
import Logging
import Testing
@testable import Kubelet

/// A heavier run, enabled with `KUBELET_SCALE=1`: 100 hollow nodes, 1,000 pods.
@Suite("Hollow pool at scale", .enabled(if: ProcessInfo.processInfo.environment["KUBELET_SCALE"] == "1"))
struct HollowPoolScaleTests {
    @Test func aHundredNodesRunAThousandPods() async throws {
        let server = try await TestAPIServer.start()
        let client = server.client()
        let logger = Logger(label: "scale", factory: { _ in SwiftLogNoOpLogHandler() })
        let pool = HollowNodePool(client: client, configuration: .init(namePrefix: "scale", count: 100), logger: logger)
        let task = Task { try await pool.run() }
        do {
            try await eventually("registration", timeout: .seconds(120)) { pool.kubelets.allSatisfy(\.isRegistered) }
            let pods = client.resource(CoreV1.Pod.self)
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let pod = CoreV1.Pod(
                            metadata: MetaV1.ObjectMeta(name: "load-\(index)", namespace: "default"),
                            spec: CoreV1.PodSpec(containers: [CoreV1.Container(image: "nginx", name: "main")], nodeName: "scale-\(index % 100)"))
                        _ = try await pods.create(pod)
                    }
                }
                try await group.waitForAll()
            }
            try await eventually("1,000 pods to run", timeout: .seconds(300), interval: .milliseconds(200)) {
                try await pods.list(namespace: "default").items.filter { $0.status?.phase == "Running" }.count == 1000
            }
            let took = ContinuousClock.now - started
            print("1,000 pods created and Running on 100 hollow nodes in \(took)")
            let list = try await pods.list(namespace: "default")
            #expect(Set(list.items.compactMap(\.status?.podIP)).count == 1000)
        } catch {
            task.cancel()
            _ = await task.result
            await server.stop()
            throw error
        }
        task.cancel()
        _ = await task.result
        await server.stop()
    }
}
