import Cluster

/// `k3s-bench testcluster`: how long a test waits for `TestCluster.start` — an in-memory API
/// server, the control plane and `nodes` hollow nodes, returning once every node is Ready.
struct TestClusterBench {
    var nodes = 3
    var runs = 10

    func run() async throws {
        var samples: [Double] = []
        for run in 0..<(runs + 1) {
            let start = ContinuousClock.now
            let cluster = try await TestCluster.start(options: .init(nodes: nodes))
            let elapsed = (ContinuousClock.now - start).seconds * 1000
            await cluster.stop()
            if run == 0 {
                // The first start in a process also pays one-time costs (lazy globals, the
                // generated OpenAPI and discovery documents); a test binary pays them once.
                emit("testcluster_first_start_ms", elapsed)
            } else {
                samples.append(elapsed)
            }
        }
        emit("testcluster_start_ms", percentile(samples, 0.5))
        emit("testcluster_start_p90_ms", percentile(samples, 0.9))
    }

    private func emit(_ name: String, _ value: Double) {
        ClusterBench(quick: false).emit(
            "testcluster", name, value, "ms", [("nodes", .int(nodes)), ("runs", .int(name == "testcluster_first_start_ms" ? 1 : runs))])
    }
}
