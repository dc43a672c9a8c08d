/// Which dead containers and sandboxes to remove, as pure functions.
///
/// Dead means not running (created, exited or unknown) and older than `minAge`. Dead containers
/// are grouped by pod and container name; every container of a pod the kubelet no longer has is
/// removed; of the others the newest `maxPerPodContainer` per group are kept, fewer when that
/// would exceed `maxContainers` in total (at least one per group, then the oldest overall go).
public enum ContainerGC {
    /// The IDs of the containers to remove, oldest first.
    /// - Parameters:
    ///   - containers: every container of the runtime.
    ///   - sandboxes: every sandbox (they tell a container's pod UID).
    ///   - activePods: UIDs of pods the kubelet still runs or reports.
    ///   - now: wall time, nanoseconds since the epoch.
    public static func containersToRemove(
        _ containers: [CRI.Container], sandboxes: [CRI.PodSandbox], activePods: Set<String>, policy: ContainerGCPolicy, now: Int64
    ) -> [String] {
        let podOf = Dictionary(sandboxes.map { ($0.id, $0.metadata.uid) }, uniquingKeysWith: { first, _ in first })
        let minAge = policy.minAge.components.seconds * 1_000_000_000 + policy.minAge.components.attoseconds / 1_000_000_000
        let dead = containers.filter { $0.state != .running && now - $0.createdAt >= minAge }
        struct Unit: Hashable { var pod: String; var name: String }
        var units: [Unit: [CRI.Container]] = [:]
        for container in dead {
            units[Unit(pod: podOf[container.podSandboxID] ?? "", name: container.metadata.name), default: []].append(container)
        }
        // Newest first within each unit.
        for key in units.keys { units[key]?.sort { ($0.createdAt, $0.metadata.attempt) > ($1.createdAt, $1.metadata.attempt) } }
        var remove: [CRI.Container] = []
        for (unit, list) in units where unit.pod.isEmpty || !activePods.contains(unit.pod) {
            remove += list
            units[unit] = nil
        }
        func keep(_ count: Int) {
            for (unit, list) in units where list.count > count {
                remove += list[count...]
                units[unit] = Array(list.prefix(count))
            }
        }
        if policy.maxPerPodContainer >= 0 { keep(policy.maxPerPodContainer) }
        if policy.maxContainers >= 0 {
            let total = units.values.reduce(0) { $0 + $1.count }
            if total > policy.maxContainers {
                keep(max(1, policy.maxContainers / max(1, units.count)))
                let left = units.values.flatMap { $0 }.sorted { $0.createdAt > $1.createdAt }
                if left.count > policy.maxContainers { remove += left[policy.maxContainers...] }
            }
        }
        return remove.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.id)
    }

    /// The IDs of sandboxes to remove: not ready, of a pod the kubelet no longer has, and with
    /// no container left once `removedContainers` are gone.
    public static func sandboxesToRemove(
        _ sandboxes: [CRI.PodSandbox], containers: [CRI.Container], removedContainers: Set<String>, activePods: Set<String>
    ) -> [String] {
        let occupied = Set(containers.filter { !removedContainers.contains($0.id) }.map(\.podSandboxID))
        return sandboxes.filter { $0.state != .ready && !activePods.contains($0.metadata.uid) && !occupied.contains($0.id) }.map(\.id)
    }
}
