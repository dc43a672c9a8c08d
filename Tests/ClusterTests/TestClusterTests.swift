import Cluster
import KubeAPI
import KubeClient
import Testing

@Suite("TestCluster: a whole cluster in-process")
struct TestClusterTests {
    @Test func aDeploymentReachesRunningOverHollowNodes() async throws {
        try await TestCluster.run(nodes: 3) { cluster in
            let nodes = try await cluster.client.resource(CoreV1.Node.self).list().items
            #expect(nodes.count == 3)
            #expect(nodes.allSatisfy { $0.spec?.podCIDR?.hasSuffix("/24") == true })

            let deployments = cluster.client.resource(AppsV1.Deployment.self)
            _ = try await deployments.create(AppsV1.Deployment(
                metadata: .init(name: "web", namespace: "default"),
                spec: .init(
                    replicas: 6, selector: .init(matchLabels: ["app": "web"]),
                    template: .init(
                        metadata: .init(labels: ["app": "web"]),
                        spec: .init(containers: [.init(image: "nginx", name: "nginx")])))))
            try await cluster.waitUntil("6 available replicas") {
                try await deployments.get("web", namespace: "default").status?.availableReplicas == 6
            }
            let pods = try await cluster.client.resource(CoreV1.Pod.self).list(namespace: "default", options: .init(labelSelector: "app=web")).items
            #expect(pods.count == 6)
            #expect(pods.allSatisfy { $0.status?.phase == "Running" && $0.status?.podIP != nil })
            #expect(Set(pods.compactMap { $0.spec?.nodeName }).count > 1, "spread over the nodes")
        }
    }

    @Test func aJobCompletesAndAnUnschedulablePodStaysPending() async throws {
        try await TestCluster.run(nodes: 2) { cluster in
            let jobs = cluster.client.resource(BatchV1.Job.self)
            _ = try await jobs.create(BatchV1.Job(
                metadata: .init(name: "once", namespace: "default"),
                spec: .init(template: .init(spec: .init(
                    containers: [.init(image: "busybox", name: "c")], restartPolicy: "Never")))))
            try await cluster.waitUntil("the job to complete") {
                try await jobs.get("once", namespace: "default").status?.succeeded == 1
            }

            let pods = cluster.client.resource(CoreV1.Pod.self)
            _ = try await pods.create(CoreV1.Pod(
                metadata: .init(name: "huge", namespace: "default"),
                spec: .init(containers: [.init(image: "nginx", name: "c", resources: .init(requests: ["cpu": Quantity("1000")]))])))
            let events = cluster.client.resource(CoreV1.Event.self)
            try await cluster.waitUntil("a FailedScheduling event") {
                try await events.list(namespace: "default", options: .init(fieldSelector: "involvedObject.name=huge")).items
                    .contains { $0.reason == "FailedScheduling" && $0.message?.hasPrefix("0/2 nodes are available: 2 Insufficient cpu.") == true }
            }
            #expect(try await pods.get("huge", namespace: "default").status?.phase == "Pending")
        }
    }
}
