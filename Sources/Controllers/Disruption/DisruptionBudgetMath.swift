import KubeAPI

/// The status arithmetic of a PodDisruptionBudget, as pure functions: how many pods the budget
/// expects and needs healthy, which recorded evictions still count, how many pods are healthy
/// and how many disruptions that allows.
public enum DisruptionBudgetMath {
    /// Why a budget's targets could not be computed.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong (becomes the `SyncFailed` condition's message).
        public var description: String

        /// Creates a failure.
        public init(_ description: String) { self.description = description }
    }

    /// `expectedPods` and `desiredHealthy` of a budget over `podCount` matching pods.
    ///
    /// - `maxUnavailable` (number or percent of the expected count, percent rounded up):
    ///   expected is the controllers' scale, desired is expected minus the unavailable count
    ///   (at least 0);
    /// - integer `minAvailable`: expected is the number of matching pods, desired the value;
    /// - percent `minAvailable`: expected is the controllers' scale, desired the percent of it
    ///   rounded up;
    /// - neither: both 0.
    ///
    /// `expectedScale` (the summed `spec.replicas` of the pods' controllers) is only called
    /// when needed.
    ///
    /// - Throws: ``Failure`` for a value that is not a number or a percentage, or what
    ///   `expectedScale` throws.
    public static func targets(
        spec: PolicyV1.PodDisruptionBudgetSpec?, podCount: Int, expectedScale: () async throws -> Int
    ) async throws -> (expected: Int, desired: Int) {
        if let maxUnavailable = spec?.maxUnavailable {
            let expected = try await expectedScale()
            let unavailable = try scaled(maxUnavailable, total: expected)
            return (expected, max(0, expected - unavailable))
        }
        guard let minAvailable = spec?.minAvailable else { return (0, 0) }
        if case .int(let value) = minAvailable { return (podCount, value) }
        let expected = try await expectedScale()
        return (expected, try scaled(minAvailable, total: expected))
    }

    static func scaled(_ value: IntOrString, total: Int) throws -> Int {
        do {
            return try value.scaledValue(total: total, roundUp: true)
        } catch {
            throw Failure(error.description)
        }
    }

    /// The entries of `recorded` (`status.disruptedPods`) that still count: pods that exist,
    /// are not being deleted and were evicted less than two minutes ago. Also returns when the
    /// earliest kept entry expires (when to look again).
    public static func activeDisruptions(
        pods: [CoreV1.Pod], recorded: [String: Time]?, now: Time
    ) -> (kept: [String: Time], recheck: Time?) {
        guard let recorded, !recorded.isEmpty else { return ([:], nil) }
        var kept: [String: Time] = [:]
        var recheck: Time? = nil
        for pod in pods where pod.metadata.deletionTimestamp == nil {
            guard let name = pod.metadata.name, let evicted = recorded[name] else { continue }
            let expiry = Time(secondsSinceEpoch: evicted.secondsSinceEpoch + PolicyV1.PodDisruptionBudget.disruptedPodTimeoutSeconds)
            guard now < expiry else { continue }
            kept[name] = evicted
            if recheck.map({ expiry < $0 }) ?? true { recheck = expiry }
        }
        return (kept, recheck)
    }

    /// The pods that count as healthy: ready, not being deleted and not recently evicted.
    public static func currentHealthy(pods: [CoreV1.Pod], disrupted: [String: Time], now: Time) -> Int {
        pods.filter { pod in
            guard pod.metadata.deletionTimestamp == nil else { return false }
            if let evicted = disrupted[pod.metadata.name ?? ""],
               now.secondsSinceEpoch < evicted.secondsSinceEpoch + PolicyV1.PodDisruptionBudget.disruptedPodTimeoutSeconds {
                return false
            }
            return pod.isReady
        }.count
    }

    /// The status a budget gets from the counts: `disruptionsAllowed` is healthy minus desired
    /// (0 when negative or when the budget expects no pods, so a budget whose pods have not
    /// appeared yet protects them once they do), the `DisruptionAllowed` condition follows it
    /// and `observedGeneration` is the budget's generation.
    public static func status(
        of budget: PolicyV1.PodDisruptionBudget, currentHealthy: Int, desiredHealthy: Int, expectedPods: Int,
        disruptedPods: [String: Time], now: Time
    ) -> PolicyV1.PodDisruptionBudgetStatus {
        var allowed = currentHealthy - desiredHealthy
        if expectedPods <= 0 || allowed <= 0 { allowed = 0 }
        var status = budget.status ?? PolicyV1.PodDisruptionBudgetStatus()
        status.currentHealthy = currentHealthy
        status.desiredHealthy = desiredHealthy
        status.expectedPods = expectedPods
        status.disruptionsAllowed = allowed
        status.disruptedPods = disruptedPods.isEmpty ? nil : disruptedPods
        status.observedGeneration = budget.metadata.generation ?? 0
        status.updateDisruptionAllowedCondition(now: now)
        return status
    }

    /// The status of a budget whose counts could not be computed: no disruption allowed and a
    /// `False` `DisruptionAllowed` condition with reason `SyncFailed` and the failure's text.
    public static func failSafeStatus(of budget: PolicyV1.PodDisruptionBudget, message: String, now: Time) -> PolicyV1.PodDisruptionBudgetStatus {
        var status = budget.status ?? PolicyV1.PodDisruptionBudgetStatus()
        status.disruptionsAllowed = 0
        status.setCondition(status: "False", reason: PolicyV1.PodDisruptionBudget.syncFailedReason, message: message, now: now)
        return status
    }
}
