#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeAPI

/// Deployment condition reasons, messages and the rules that set them, as upstream reports
/// them (`kubectl rollout status` and `describe` read these).
public enum DeploymentConditions {
    /// Condition types.
    public static let available = "Available", progressing = "Progressing", replicaFailure = "ReplicaFailure"
    /// Reasons.
    public static let minimumReplicasAvailable = "MinimumReplicasAvailable"
    public static let minimumReplicasUnavailable = "MinimumReplicasUnavailable"
    public static let newReplicaSetCreated = "NewReplicaSetCreated"
    public static let foundNewReplicaSet = "FoundNewReplicaSet"
    public static let replicaSetUpdated = "ReplicaSetUpdated"
    public static let newReplicaSetAvailable = "NewReplicaSetAvailable"
    public static let progressDeadlineExceeded = "ProgressDeadlineExceeded"
    public static let replicaSetCreateError = "ReplicaSetCreateError"
    public static let paused = "DeploymentPaused"
    public static let resumed = "DeploymentResumed"

    /// The condition of `type`, if present.
    public static func get(_ status: AppsV1.DeploymentStatus?, _ type: String) -> AppsV1.DeploymentCondition? {
        status?.conditions?.first { $0.type == type }
    }

    /// A new condition stamped with `now`.
    public static func make(_ type: String, _ status: String, reason: String, message: String, now: Date) -> AppsV1.DeploymentCondition {
        AppsV1.DeploymentCondition(lastTransitionTime: Time(now), lastUpdateTime: Time(now), message: message, reason: reason, status: status, type: type)
    }

    /// Sets `condition`, unless one of its type with the same status and reason exists; keeps
    /// the transition time when only the reason changes.
    public static func set(_ status: inout AppsV1.DeploymentStatus, _ condition: AppsV1.DeploymentCondition) {
        var conditions = status.conditions ?? []
        var condition = condition
        if let current = conditions.first(where: { $0.type == condition.type }) {
            if current.status == condition.status && current.reason == condition.reason { return }
            if current.status == condition.status { condition.lastTransitionTime = current.lastTransitionTime }
        }
        conditions.removeAll { $0.type == condition.type }
        conditions.append(condition)
        status.conditions = conditions
    }

    /// Removes the condition of `type`.
    public static func remove(_ status: inout AppsV1.DeploymentStatus, _ type: String) {
        status.conditions?.removeAll { $0.type == type }
        if status.conditions?.isEmpty == true { status.conditions = nil }
    }

    /// Whether every replica is updated and available and the status describes the current generation.
    public static func isComplete(desired: Int, generation: Int, _ status: AppsV1.DeploymentStatus) -> Bool {
        (status.updatedReplicas ?? 0) == desired && (status.replicas ?? 0) == desired
            && (status.availableReplicas ?? 0) == desired && (status.observedGeneration ?? 0) >= generation
    }

    /// Whether `new` shows progress over `old`: more updated, ready or available pods, or fewer old ones.
    public static func isProgressing(old: AppsV1.DeploymentStatus?, new: AppsV1.DeploymentStatus) -> Bool {
        let oldStatus = old ?? AppsV1.DeploymentStatus()
        let oldOld = (oldStatus.replicas ?? 0) - (oldStatus.updatedReplicas ?? 0)
        let newOld = (new.replicas ?? 0) - (new.updatedReplicas ?? 0)
        return (new.updatedReplicas ?? 0) > (oldStatus.updatedReplicas ?? 0) || newOld < oldOld
            || (new.readyReplicas ?? 0) > (oldStatus.readyReplicas ?? 0)
            || (new.availableReplicas ?? 0) > (oldStatus.availableReplicas ?? 0)
    }

    /// Whether the Progressing condition has seen no update for `deadline` seconds at `now`.
    public static func isTimedOut(_ status: AppsV1.DeploymentStatus, deadline: Int?, now: Date) -> Bool {
        guard let deadline, let condition = get(status, progressing) else { return false }
        if condition.reason == progressDeadlineExceeded { return true }
        if condition.reason == newReplicaSetAvailable { return false }
        guard let from = condition.lastUpdateTime else { return false }
        return Int64(now.timeIntervalSince1970) > from.secondsSinceEpoch + Int64(deadline)
    }
}
