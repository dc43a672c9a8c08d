/// The rules a PodDisruptionBudget is judged by, shared by the eviction subresource of the API
/// server and the disruption controller: which pods a budget covers and the
/// `DisruptionAllowed` condition.
extension PolicyV1.PodDisruptionBudget {
    /// The condition type that says whether a disruption is allowed now.
    public static let disruptionAllowedCondition = "DisruptionAllowed"
    /// Reason of a `True` `DisruptionAllowed`: enough healthy pods.
    public static let sufficientPodsReason = "SufficientPods"
    /// Reason of a `False` `DisruptionAllowed`: not enough healthy pods.
    public static let insufficientPodsReason = "InsufficientPods"
    /// Reason of a `False` `DisruptionAllowed` when the controller could not compute the status.
    public static let syncFailedReason = "SyncFailed"
    /// `spec.unhealthyPodEvictionPolicy` letting unready pods go whatever the budget says.
    public static let alwaysAllowPolicy = "AlwaysAllow"
    /// How long a pod stays in `status.disruptedPods` (counted as gone) before the controller
    /// assumes its eviction did not happen: two minutes.
    public static let disruptedPodTimeoutSeconds: Int64 = 120

    /// The selector of the budget: a missing selector covers no pod, an empty one every pod
    /// of the namespace (policy/v1). `nil` for a selector that does not parse.
    public var podSelector: LabelSelector? {
        try? LabelSelector(spec?.selector)
    }

    /// Whether the budget covers `pod`: same namespace and the selector matches its labels.
    public func covers(_ pod: CoreV1.Pod) -> Bool {
        guard (metadata.namespace ?? "") == (pod.metadata.namespace ?? ""), let selector = podSelector else { return false }
        return selector.matches(pod.metadata.labels ?? [:])
    }
}

extension PolicyV1.PodDisruptionBudgetStatus {
    /// Sets the `DisruptionAllowed` condition from ``disruptionsAllowed``: `True`
    /// (`SufficientPods`) when above zero, else `False` (`InsufficientPods`). The transition time
    /// moves only when the condition's status changes.
    public mutating func updateDisruptionAllowedCondition(now: Time) {
        let allowed = (disruptionsAllowed ?? 0) > 0
        setCondition(
            status: allowed ? "True" : "False",
            reason: allowed ? PolicyV1.PodDisruptionBudget.sufficientPodsReason : PolicyV1.PodDisruptionBudget.insufficientPodsReason,
            message: "", now: now)
    }

    /// Sets the `DisruptionAllowed` condition to `status` with `reason` and `message`, keeping
    /// the transition time when the status does not change.
    public mutating func setCondition(status: String, reason: String, message: String, now: Time) {
        var list = conditions ?? []
        let type = PolicyV1.PodDisruptionBudget.disruptionAllowedCondition
        var condition = list.first { $0.type == type } ?? MetaV1.Condition(lastTransitionTime: now, type: type)
        if condition.status != status { condition.lastTransitionTime = now }
        condition.status = status
        condition.reason = reason
        condition.message = message
        condition.observedGeneration = observedGeneration
        if let index = list.firstIndex(where: { $0.type == type }) {
            list[index] = condition
        } else {
            list.append(condition)
        }
        conditions = list
    }
}
