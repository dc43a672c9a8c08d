import KubeAPI

/// The arithmetic of a Deployment rollout, free of I/O: surge and unavailability limits,
/// how far to scale the new ReplicaSet up and the old ones down, and proportional scaling.
public enum RolloutMath {
    /// The numbers the rollout looks at for one ReplicaSet.
    public struct ReplicaSetCounts: Sendable, Hashable {
        /// The ReplicaSet's name.
        public var name: String
        /// `spec.replicas`.
        public var replicas: Int
        /// `status.availableReplicas`.
        public var available: Int
        /// Creation time (seconds since the epoch), to order oldest first.
        public var created: Int64
        /// The `max-replicas` annotation, if present.
        public var annotatedMaxReplicas: Int?

        /// Creates counts.
        public init(name: String, replicas: Int, available: Int = 0, created: Int64 = 0, annotatedMaxReplicas: Int? = nil) {
            self.name = name
            self.replicas = replicas
            self.available = available
            self.created = created
            self.annotatedMaxReplicas = annotatedMaxReplicas
        }
    }

    /// `maxSurge` and `maxUnavailable` resolved against `desired` (surge rounded up,
    /// unavailability rounded down; both zero becomes one unavailable). Malformed values
    /// count as zero.
    public static func fenceposts(maxSurge: IntOrString?, maxUnavailable: IntOrString?, desired: Int) -> (surge: Int, unavailable: Int) {
        let surge = max(0, (try? (maxSurge ?? "25%").scaledValue(total: desired, roundUp: true)) ?? 0)
        var unavailable = max(0, (try? (maxUnavailable ?? "25%").scaledValue(total: desired, roundUp: false)) ?? 0)
        if surge == 0 && unavailable == 0 { unavailable = 1 }
        return (surge, unavailable)
    }

    /// The unavailability limit actually applied: never above `desired`, zero for no replicas.
    public static func maxUnavailable(surge: Int, unavailable: Int, desired: Int) -> Int {
        desired == 0 ? 0 : min(unavailable, desired)
    }

    /// How many replicas the new ReplicaSet should have during a rolling update: up to the
    /// surge limit over all ReplicaSets, never above `desired`.
    public static func newReplicaSetReplicas(desired: Int, surge: Int, allReplicas: Int, newReplicas: Int) -> Int {
        let maxTotal = desired + surge
        if allReplicas >= maxTotal { return newReplicas }
        let scaleUp = min(maxTotal - allReplicas, desired - newReplicas)
        return newReplicas + max(0, scaleUp)
    }

    /// How many old pods may go right now without breaking the availability floor, counting
    /// the new ReplicaSet's pods that are not yet available as already missing.
    public static func maxScaleDown(desired: Int, maxUnavailable: Int, allReplicas: Int, newReplicas: Int, newAvailable: Int) -> Int {
        let minAvailable = desired - maxUnavailable
        return allReplicas - minAvailable - (newReplicas - newAvailable)
    }

    /// New sizes for old ReplicaSets after scaling down their unavailable pods first (oldest
    /// first, at most `limit` pods in total). Returns the sizes by name and the pods removed.
    public static func cleanupUnhealthy(_ old: [ReplicaSetCounts], limit: Int) -> (sizes: [String: Int], removed: Int) {
        var sizes: [String: Int] = [:]
        var removed = 0
        for rs in old.sorted(by: olderFirst) {
            if removed >= limit { break }
            if rs.replicas == 0 { continue }
            let unhealthy = rs.replicas - rs.available
            if unhealthy <= 0 { continue }
            let count = min(limit - removed, unhealthy)
            sizes[rs.name] = rs.replicas - count
            removed += count
        }
        return (sizes, removed)
    }

    /// New sizes for old ReplicaSets so total availability stays at or above the floor
    /// (`desired - maxUnavailable`), oldest first. `totalAvailable` covers every ReplicaSet.
    public static func scaleDownOld(_ old: [ReplicaSetCounts], totalAvailable: Int, desired: Int, maxUnavailable: Int) -> [String: Int] {
        let minAvailable = desired - maxUnavailable
        guard totalAvailable > minAvailable else { return [:] }
        let budget = totalAvailable - minAvailable
        var sizes: [String: Int] = [:]
        var removed = 0
        for rs in old.sorted(by: olderFirst) {
            if removed >= budget { break }
            if rs.replicas == 0 { continue }
            let count = min(rs.replicas, budget - removed)
            sizes[rs.name] = rs.replicas - count
            removed += count
        }
        return sizes
    }

    /// Sizes for the active ReplicaSets of a rolling Deployment whose replica count changed
    /// mid-rollout: the difference to `desired + surge` is shared in proportion to each
    /// ReplicaSet's size (relative to its recorded `max-replicas`), leftovers going to the
    /// largest (when growing) or the oldest among the largest (when shrinking).
    public static func proportionalSizes(_ active: [ReplicaSetCounts], desired: Int, surge: Int, previousMaxReplicas: Int) -> [String: Int] {
        let current = active.reduce(0) { $0 + $1.replicas }
        let allowed = desired > 0 ? desired + surge : 0
        let toAdd = allowed - current
        let ordered = active.sorted { a, b in
            if a.replicas != b.replicas { return a.replicas > b.replicas }
            return toAdd > 0 ? a.created > b.created : a.created < b.created
        }
        var sizes: [String: Int] = [:]
        var added = 0
        for rs in ordered {
            var share = 0
            if toAdd != 0 && rs.replicas != 0 && toAdd != added {
                let fraction: Int
                if desired == 0 {
                    fraction = -rs.replicas
                } else {
                    let base = rs.annotatedMaxReplicas ?? previousMaxReplicas
                    let scaled = base > 0 ? (Double(rs.replicas * (desired + surge)) / Double(base)).rounded() : Double(rs.replicas)
                    fraction = Int(scaled) - rs.replicas
                }
                let allowedLeft = toAdd - added
                share = toAdd > 0 ? min(fraction, allowedLeft) : max(fraction, allowedLeft)
            }
            sizes[rs.name] = rs.replicas + share
            added += share
        }
        if toAdd != 0, let first = ordered.first {
            sizes[first.name] = max(0, (sizes[first.name] ?? 0) + toAdd - added)
        }
        return sizes
    }

    static func olderFirst(_ a: ReplicaSetCounts, _ b: ReplicaSetCounts) -> Bool {
        a.created != b.created ? a.created < b.created : a.name < b.name
    }
}
