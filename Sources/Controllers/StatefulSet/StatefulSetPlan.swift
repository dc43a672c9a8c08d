import KubeAPI

/// What the stateful-set controller does next for one set, decided without I/O from the set,
/// its pods and its revisions.
///
/// Pods are `<set>-<ordinal>` for the ordinals `start..<start+replicas`. With `OrderedReady`
/// (the default) a pod is created only when every lower ordinal is Running and Ready, and
/// surplus pods go highest ordinal first, one at a time; with `Parallel` all are created or
/// deleted at once. A `RollingUpdate` replaces pods from the highest ordinal down to
/// `partition`, one at a time, each only once all others are Running and Ready.
public struct StatefulSetPlan: Sendable, Hashable {
    /// A pod to create: its ordinal and whether it uses the update revision (else the current).
    public struct Creation: Sendable, Hashable {
        /// The ordinal.
        public var ordinal: Int
        /// `true`: the update revision's template; `false`: the current one's.
        public var updateRevision: Bool
    }

    /// Pods to create.
    public var create: [Creation] = []
    /// Names of pods to delete (surplus, failed, or outdated in a rolling update).
    public var delete: [String] = []

    /// Decides for `set` with its controlled `pods`.
    /// - Parameters:
    ///   - updateRevision: the revision name of the set's current template.
    ///   - currentRevision: the revision most pods run (`status.currentRevision`).
    public init(set: AppsV1.StatefulSet, pods: [CoreV1.Pod], currentRevision: String, updateRevision: String) {
        let spec = set.spec ?? AppsV1.StatefulSetSpec()
        let name = set.metadata.name ?? ""
        let start = spec.ordinals?.start ?? 0
        let replicas = spec.replicas ?? 1
        let range = start..<(start + replicas)
        let parallel = spec.podManagementPolicy == "Parallel"
        let strategy = spec.updateStrategy?.type ?? "RollingUpdate"
        let partition = strategy == "RollingUpdate" ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0

        var byOrdinal: [Int: CoreV1.Pod] = [:]
        var condemned: [(Int, CoreV1.Pod)] = []
        for pod in pods {
            guard let ordinal = Self.ordinal(of: pod, set: name) else { continue }
            if range.contains(ordinal) { byOrdinal[ordinal] = pod } else { condemned.append((ordinal, pod)) }
        }
        condemned.sort { $0.0 > $1.0 }

        func usesUpdate(_ ordinal: Int) -> Bool { strategy != "RollingUpdate" || ordinal - start >= partition }

        // Replicas in range: replace finished pods, create missing ones.
        var blocked = false
        for ordinal in range {
            if let pod = byOrdinal[ordinal] {
                if pod.isTerminating {
                    if !parallel { blocked = true; break }
                    continue
                }
                if pod.isTerminal {
                    delete.append(pod.metadata.name ?? "")
                    if !parallel { blocked = true; break }
                    continue
                }
                if !parallel && !pod.isRunningAndReady { blocked = true; break }
            } else {
                create.append(Creation(ordinal: ordinal, updateRevision: usesUpdate(ordinal)))
                if !parallel { blocked = true; break }
            }
        }
        if parallel && (!create.isEmpty || !delete.isEmpty) { blocked = true }

        // Surplus pods: highest first; one at a time unless Parallel.
        let inRangeHealthy = range.allSatisfy { byOrdinal[$0].map(\.isRunningAndReady) ?? false }
        for (_, pod) in condemned {
            if pod.isTerminating {
                if !parallel { blocked = true; break }
                continue
            }
            if !parallel && (blocked || !inRangeHealthy) { blocked = true; break }
            delete.append(pod.metadata.name ?? "")
            if !parallel { blocked = true; break }
        }
        if blocked || strategy != "RollingUpdate" { return }

        // Rolling update: highest ordinal first, down to the partition, one at a time.
        let allHealthy = range.allSatisfy { byOrdinal[$0].map(\.isRunningAndReady) ?? false }
        for ordinal in range.reversed() where ordinal - start >= partition {
            guard let pod = byOrdinal[ordinal] else { return }
            if Self.revision(of: pod) == updateRevision {
                if !pod.isRunningAndReady { return }
                continue
            }
            if allHealthy { delete.append(pod.metadata.name ?? "") }
            return
        }
    }

    /// The ordinal of `pod` if it is named `<set>-<ordinal>`.
    public static func ordinal(of pod: CoreV1.Pod, set: String) -> Int? {
        guard let name = pod.metadata.name, name.hasPrefix(set + "-") else { return nil }
        let suffix = name.dropFirst(set.count + 1)
        guard !suffix.isEmpty, suffix.allSatisfy(\.isNumber), let value = Int(suffix) else { return nil }
        return String(value) == suffix ? value : nil
    }

    /// The revision a pod was created from (its `controller-revision-hash` label).
    public static func revision(of pod: CoreV1.Pod) -> String? { pod.metadata.labels?["controller-revision-hash"] }
}
