import KubeAPI

/// The decisions of the `pods/eviction` subresource, as plain functions over typed objects (no
/// I/O): when a pod may go without asking its budget, which budgets cover it, when an unready
/// pod may go, and the check-and-decrement of a budget's `disruptionsAllowed`.
enum EvictionRules {
    /// At most this many pods may wait in a budget's `disruptedPods` before evictions are refused.
    static let maximumDisruptedPods = 2000
    /// The `DisruptionBudget` cause type of a refused eviction.
    static let disruptionBudgetCause = "DisruptionBudget"
    /// The message of a refused eviction.
    static let violationMessage = "Cannot evict pod as it would violate the pod's disruption budget."
    /// The message when more than one budget covers the pod.
    static let multipleBudgetsMessage = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."

    /// A pod that has finished (`Succeeded`/`Failed`), has not started (`Pending`) or is
    /// already being deleted goes without looking at budgets.
    static func bypassesBudgets(_ pod: CoreV1.Pod) -> Bool {
        let phase = pod.status?.phase ?? ""
        return phase == "Succeeded" || phase == "Failed" || phase == "Pending" || pod.metadata.deletionTimestamp != nil
    }

    /// Whether the delete of a budget-free pod is pinned to the version read, so that a pod
    /// becoming running and ready meanwhile is not deleted unchecked (not for finished or
    /// deleting pods).
    static func pinsResourceVersion(_ pod: CoreV1.Pod) -> Bool {
        let phase = pod.status?.phase ?? ""
        return !(phase == "Succeeded" || phase == "Failed" || pod.metadata.deletionTimestamp != nil)
    }

    /// The budgets of `budgets` that cover `pod`.
    static func budgets(covering pod: CoreV1.Pod, in budgets: [PolicyV1.PodDisruptionBudget]) -> [PolicyV1.PodDisruptionBudget] {
        budgets.filter { $0.covers(pod) }
    }

    /// Whether an unready pod may go without spending the budget: always under the
    /// `AlwaysAllow` policy; under `IfHealthyBudget` (the default) while the budget is healthy
    /// (`currentHealthy >= desiredHealthy > 0`). A ready pod never does.
    static func unhealthyPodMayGo(_ pod: CoreV1.Pod, budget: PolicyV1.PodDisruptionBudget) -> Bool {
        guard !pod.isReady else { return false }
        if budget.spec?.unhealthyPodEvictionPolicy == PolicyV1.PodDisruptionBudget.alwaysAllowPolicy { return true }
        let status = budget.status
        let desired = status?.desiredHealthy ?? 0
        return (status?.currentHealthy ?? 0) >= desired && desired > 0
    }

    /// 429 for a budget whose status the controller has not caught up with yet.
    static func budgetNotProcessed(_ name: String) -> StatusError {
        var error = StatusError.tooManyRequests(violationMessage, retryAfterSeconds: 10)
        error.details?.causes.append(.init(reason: disruptionBudgetCause, message: "The disruption budget \(name) is still being processed by the server."))
        return error
    }

    /// The budget after one more disruption: checks that the controller has seen its
    /// generation and that it allows a disruption, takes one away and (unless `dryRun`)
    /// records `podName` in `disruptedPods` at `now`.
    ///
    /// - Throws: 429 with a `DisruptionBudget` cause when no disruption is allowed or the status
    ///   is stale, 403 when the status is inconsistent.
    static func spendDisruption(
        of budget: PolicyV1.PodDisruptionBudget, podName: String, now: Time, dryRun: Bool
    ) throws(StatusError) -> PolicyV1.PodDisruptionBudget {
        let name = budget.metadata.name ?? ""
        var status = budget.status ?? PolicyV1.PodDisruptionBudgetStatus()
        if (status.observedGeneration ?? 0) < (budget.metadata.generation ?? 0) {
            throw budgetNotProcessed(name)
        }
        let allowed = status.disruptionsAllowed ?? 0
        let resource = GroupResource(group: "policy", resource: "poddisruptionbudget")
        if allowed < 0 {
            throw StatusError.forbidden(resource, name: name, reason: "pdb disruptions allowed is negative")
        }
        if (status.disruptedPods?.count ?? 0) > maximumDisruptedPods {
            throw StatusError.forbidden(resource, name: name, reason: "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
        }
        if allowed == 0 {
            var error = StatusError.tooManyRequests(violationMessage, retryAfterSeconds: 0)
            error.details?.causes.append(.init(
                reason: disruptionBudgetCause,
                message: "The disruption budget \(name) needs \(status.desiredHealthy ?? 0) healthy pods and has \(status.currentHealthy ?? 0) currently"))
            throw error
        }
        status.disruptionsAllowed = allowed - 1
        if allowed - 1 == 0 { status.updateDisruptionAllowedCondition(now: now) }
        var spent = budget
        if !dryRun {
            var disrupted = status.disruptedPods ?? [:]
            disrupted[podName] = now
            status.disruptedPods = disrupted
        }
        spent.status = status
        return spent
    }
}
