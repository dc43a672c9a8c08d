#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// What the workload controllers (ReplicaSet, ReplicationController, Deployment, DaemonSet)
/// share when they make and remove pods: pods from a template, the deletion order and slow-start
/// batches. (Pod state such as `isReady` and `isActive` is on `CoreV1.Pod` itself, in KubeAPI.)
public enum WorkloadPods {
    /// The pod informer index the workload controllers share: pods by the uid of their
    /// controller, orphans under `""` (see `Informer.indexByController`).
    static let controllerIndex = "workload.controllerUID"

    /// Builds a pod from a template: its labels, annotations, finalizers and spec, a
    /// `generateName` of `<prefix>-` and a controlling reference to `owner`.
    public static func pod(from template: CoreV1.PodTemplateSpec, generateNamePrefix: String, owner: some KubernetesObject) -> CoreV1.Pod {
        var meta = MetaV1.ObjectMeta()
        meta.generateName = generateNamePrefix + "-"
        meta.namespace = owner.metadata.namespace
        meta.labels = template.metadata?.labels
        meta.annotations = template.metadata?.annotations
        meta.finalizers = template.metadata?.finalizers
        meta.ownerReferences = [.controller(owner)]
        return CoreV1.Pod(metadata: meta, spec: template.spec)
    }

    /// Sorts pods so the ones to delete first come first, as upstream ranks them: unassigned
    /// before assigned, pending before unknown before running, not ready before ready, pods
    /// sharing a node with more of their siblings first, ready for less time first, more
    /// restarts first, newer first.
    public static func deletionOrder(_ pods: [CoreV1.Pod], now: Date) -> [CoreV1.Pod] {
        var perNode: [String: Int] = [:]
        for pod in pods { if let node = pod.spec?.nodeName, !node.isEmpty { perNode[node, default: 0] += 1 } }
        return pods.sorted { a, b in deleteBefore(a, b, colocatedA: perNode[a.spec?.nodeName ?? ""] ?? 0, colocatedB: perNode[b.spec?.nodeName ?? ""] ?? 0) }
    }

    /// Whether `a` should be deleted before `b`.
    static func deleteBefore(_ a: CoreV1.Pod, _ b: CoreV1.Pod, colocatedA: Int, colocatedB: Int) -> Bool {
        let assignedA = !(a.spec?.nodeName ?? "").isEmpty, assignedB = !(b.spec?.nodeName ?? "").isEmpty
        if assignedA != assignedB { return !assignedA }
        func phaseRank(_ pod: CoreV1.Pod) -> Int {
            switch pod.status?.phase { case "Pending", nil: 0; case "Unknown": 1; case "Running": 2; default: 0 }
        }
        if phaseRank(a) != phaseRank(b) { return phaseRank(a) < phaseRank(b) }
        let readyA = a.isReady, readyB = b.isReady
        if readyA != readyB { return !readyA }
        if colocatedA != colocatedB { return colocatedA > colocatedB }
        if readyA && readyB {
            let sinceA = a.readySince, sinceB = b.readySince
            if let sinceA, let sinceB, sinceA != sinceB { return sinceA > sinceB }
        }
        let restartsA = maxRestarts(a), restartsB = maxRestarts(b)
        if restartsA != restartsB { return restartsA > restartsB }
        let createdA = a.metadata.creationTimestamp, createdB = b.metadata.creationTimestamp
        if let createdA, let createdB, createdA != createdB { return createdA > createdB }
        return (a.metadata.name ?? "") > (b.metadata.name ?? "")
    }

    static func maxRestarts(_ pod: CoreV1.Pod) -> Int {
        (pod.status?.containerStatuses ?? []).map { $0.restartCount ?? 0 }.max() ?? 0
    }

    /// Runs `count` operations in batches of 1, 2, 4, ... (upstream's slow start): a batch
    /// runs only if every operation of the previous one succeeded. Returns how many
    /// succeeded and the first error.
    public static func slowStart(count: Int, initialBatch: Int = 1, _ operation: @escaping @Sendable (Int) async throws -> Void) async -> (succeeded: Int, error: (any Error)?) {
        var done = 0
        var batch = max(1, initialBatch)
        while done < count {
            let size = min(batch, count - done)
            let start = done
            let errors = await withTaskGroup(of: (any Error)?.self) { group -> [any Error] in
                for index in start..<(start + size) {
                    group.addTask {
                        do { try await operation(index); return nil } catch { return error }
                    }
                }
                var errors: [any Error] = []
                for await error in group { if let error { errors.append(error) } }
                return errors
            }
            done += size - errors.count
            if let first = errors.first { return (done, first) }
            batch *= 2
        }
        return (done, nil)
    }
}
