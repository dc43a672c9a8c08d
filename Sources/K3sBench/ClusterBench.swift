import Cluster
import Controllers
import Foundation
import KubeAPI
import KubeClient
import Kubelet
import Logging
import Scheduler
import Synchronization

/// `k3s-bench scheduler` and `k3s-bench cluster`: whole clusters in this process (API server on
/// an in-memory datastore, scheduler, controllers and hollow nodes over in-process transports).
struct ClusterBench {
    let quick: Bool

    /// Scheduling throughput: `nodes` Ready nodes (plain Node objects, as upstream's
    /// scheduler_perf uses) and `pods` pending pods created first; then the scheduler starts and
    /// the clock runs until every pod is bound.
    func scheduler(nodes: Int, pods: Int) async throws {
        let options = TestCluster.Options(nodes: 0, scheduler: false, controllers: false)
        let cluster = try await TestCluster.start(options: options)
        defer { Task { await cluster.stop() } }
        let client = cluster.client
        progress("creating \(nodes) nodes and \(pods) pending pods")
        try await concurrently(nodes, width: 32) { i in
            _ = try await client.resource(CoreV1.Node.self).create(Self.node("node-\(i)"))
        }
        try await concurrently(pods, width: 32) { i in
            _ = try await client.resource(CoreV1.Pod.self).create(Self.pod("pod-\(i)"), namespace: "default")
        }
        // Count bindings through the cluster's shared pod informer (the one the scheduler reads:
        // one copy of the pods, no polling of 10,000 of them).
        let bound = Mutex(0)
        let done = Latch()
        let informers = cluster.informers
        informers.informer(CoreV1.Pod.self).addHandler(InformerHandler(onUpdate: { old, new in
            guard old.spec?.nodeName == nil, new.spec?.nodeName != nil else { return }
            let count = bound.withLock { $0 += 1; return $0 }
            if count == pods { done.open() }
        }))
        await informers.waitForSync()

        progress("scheduling")
        let schedulerClient = cluster.client(as: .scheduler)
        let scheduler = Scheduler(client: schedulerClient, informers: informers, logger: TestCluster.quietLogger)
        let start = ContinuousClock.now
        let task = Task { try? await scheduler.run() }
        defer { task.cancel() }
        await done.wait()
        let seconds = (ContinuousClock.now - start).seconds
        emit("scheduler", "pods_per_s", Double(pods) / seconds, "pods/s", [("nodes", .int(nodes)), ("pods", .int(pods))])
        emit("scheduler", "schedule_all_s", seconds, "s", [("nodes", .int(nodes)), ("pods", .int(pods))])
    }

    /// Node registration and a large Deployment over hollow nodes, everything in this process
    /// (`server_rss_mb` with `process: in-process` is the whole cluster's memory).
    func cluster(nodes: Int, replicas: Int) async throws {
        progress("starting a cluster with \(nodes) hollow nodes")
        let start = ContinuousClock.now
        let cluster = try await TestCluster.start(options: .init(nodes: nodes))
        let ready = (ContinuousClock.now - start).seconds
        emit("cluster", "nodes_ready_s", ready, "s", [("nodes", .int(nodes)), ("process", .string("in-process"))])
        defer { Task { await cluster.stop() } }

        progress("deployment of \(replicas) replicas")
        let deployments = cluster.client.resource(AppsV1.Deployment.self)
        let began = ContinuousClock.now
        _ = try await deployments.create(Self.deployment(replicas: replicas), namespace: "default")
        let last = Mutex(0)
        try await cluster.waitUntil(timeout: .seconds(600), "\(replicas) available replicas") {
            let status = try await deployments.get("bench", namespace: "default").status
            let available = status?.availableReplicas ?? 0
            let previous = last.withLock { value in defer { value = available }; return value }
            if available / 1000 != previous / 1000 { progress("  \(available) available") }
            return available >= replicas
        }
        let running = (ContinuousClock.now - began).seconds
        emit("cluster", "deployment_running_s", running, "s", [("nodes", .int(nodes)), ("replicas", .int(replicas)), ("process", .string("in-process"))])
        emit("cluster", "server_rss_mb", selfResidentSetMB(), "MB", [("nodes", .int(nodes)), ("replicas", .int(replicas)), ("process", .string("in-process"))])
    }

    static func node(_ name: String) -> CoreV1.Node {
        CoreV1.Node(
            metadata: .init(labels: ["kubernetes.io/hostname": name], name: name),
            status: .init(
                allocatable: ["cpu": Quantity("4"), "memory": Quantity("16Gi"), "pods": Quantity("110")],
                capacity: ["cpu": Quantity("4"), "memory": Quantity("16Gi"), "pods": Quantity("110")],
                conditions: [.init(status: "True", type: "Ready")]))
    }

    static func pod(_ name: String) -> CoreV1.Pod {
        CoreV1.Pod(
            metadata: .init(labels: ["app": "bench"], name: name, namespace: "default"),
            spec: .init(containers: [.init(
                image: "registry.k8s.io/pause:3.10", name: "c",
                resources: .init(requests: ["cpu": Quantity("10m"), "memory": Quantity("16Mi")]))]))
    }

    static func deployment(replicas: Int) -> AppsV1.Deployment {
        AppsV1.Deployment(
            metadata: .init(name: "bench", namespace: "default"),
            spec: .init(
                replicas: replicas, selector: .init(matchLabels: ["app": "bench"]),
                template: .init(
                    metadata: .init(labels: ["app": "bench"]),
                    spec: .init(containers: [.init(
                        image: "registry.k8s.io/pause:3.10", name: "c",
                        resources: .init(requests: ["cpu": Quantity("10m"), "memory": Quantity("16Mi")]))]))))
    }

    func emit(
        _ suite: String, _ name: String, _ value: Double, _ unit: String, _ parameters: [(String, Figure.Parameter)],
        backend: String = "memory"
    ) {
        let figure = Figure(suite: suite, backend: backend, name: name, parameters: parameters, value: value, unit: unit)
        FileHandle.standardOutput.write(Data((figure.jsonLine + "\n").utf8))
    }
}

/// Runs `body(0..<count)` with at most `width` calls in flight.
func concurrently(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        var next = 0
        while next < min(width, count) {
            let i = next
            group.addTask { try await body(i) }
            next += 1
        }
        while try await group.next() != nil {
            if next < count {
                let i = next
                group.addTask { try await body(i) }
                next += 1
            }
        }
    }
}

func progress(_ message: String) {
    FileHandle.standardError.write(Data("k3s-bench: \(message)\n".utf8))
}

/// This process's resident set, in MiB.
func selfResidentSetMB() -> Double {
    residentSetMB(pid: getpid())
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
