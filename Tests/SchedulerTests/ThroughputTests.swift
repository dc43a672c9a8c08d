import KubeAPI
import Testing
@testable import Scheduler

/// A scaled-down run of the throughput scenario (the full 5,000 × 10,000 run is a release-build
/// measurement, see Docs/Scheduler.md): every pod is placed and the load ends up even.
@Suite struct ThroughputTests {
    @Test(arguments: [false, true])
    func schedulesEveryPodEvenly(owned: Bool) throws {
        let nodes = (0..<300).map { Fixtures.node("node-\($0)", cpu: "8", memory: "32Gi", labels: ["topology.kubernetes.io/zone": "z\($0 % 3)"]) }
        let snapshot = ClusterSnapshot(nodes: nodes)
        var queue = SchedulingQueue()
        for i in 0..<1200 {
            var pod = Fixtures.pod("pod-\(i)", cpu: "100m", memory: "256Mi")
            if owned {
                pod.metadata.ownerReferences = [MetaV1.OwnerReference(apiVersion: "apps/v1", controller: true, kind: "ReplicaSet",
                                                                      name: "rs-\(i % 10)", uid: "uid-\(i % 10)")]
            }
            queue.add(pod, now: .zero)
        }
        let algorithm = SchedulingAlgorithm(seed: 7)
        var scheduled = 0
        while let entry = queue.pop(now: .zero) {
            let info = PodInfo(entry.pod)
            let result = try algorithm.schedule(info, in: snapshot)
            snapshot.assume(info, on: result.nodeName)
            queue.done(entry.key)
            scheduled += 1
        }
        #expect(scheduled == 1200)
        let perNode = snapshot.nodes.map(\.pods.count)
        #expect(perNode.reduce(0, +) == 1200)
        #expect(perNode.max()! - perNode.min()! <= 3)
    }
}
