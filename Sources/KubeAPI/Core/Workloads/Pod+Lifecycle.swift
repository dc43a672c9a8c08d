#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Where a pod is in its life, as controllers, the scheduler and the kubelet judge it: whether it
/// has finished, is being deleted, is ready, and for how long.
extension CoreV1.Pod {
    /// The pod's `Ready` condition (the first one, if a status lists several), if any.
    public var readyCondition: CoreV1.PodCondition? {
        status?.conditions?.first { $0.type == "Ready" }
    }

    /// Whether the pod's `Ready` condition is `True`.
    public var isReady: Bool { readyCondition?.status == "True" }

    /// When the pod last became ready: its `Ready` condition's transition time while that
    /// condition is `True`; `nil` when the pod is not ready or the time is not recorded.
    public var readySince: Time? {
        guard let ready = readyCondition, ready.status == "True" else { return nil }
        return ready.lastTransitionTime
    }

    /// Whether the pod is in phase `Running` and ready.
    public var isRunningAndReady: Bool { status?.phase == "Running" && isReady }

    /// Whether the pod has finished: its phase is `Succeeded` or `Failed`. A finished pod never
    /// runs again.
    public var isTerminal: Bool {
        let phase = status?.phase
        return phase == "Succeeded" || phase == "Failed"
    }

    /// Whether the pod is being deleted (`metadata.deletionTimestamp` is set).
    public var isTerminating: Bool { metadata.deletionTimestamp != nil }

    /// Whether the pod still counts for its controller: neither finished nor being deleted.
    public var isActive: Bool { !isTerminal && !isTerminating }

    /// Whether the pod has been ready for at least `minReadySeconds` at `now` (ready at all
    /// when `minReadySeconds` is 0 or less). A ready pod with no recorded transition time is
    /// available only when no minimum applies.
    public func isAvailable(minReadySeconds: Int, at now: Date) -> Bool {
        guard isReady else { return false }
        if minReadySeconds <= 0 { return true }
        guard let since = readySince else { return false }
        return Int64(now.timeIntervalSince1970) - since.secondsSinceEpoch >= Int64(minReadySeconds)
    }
}
