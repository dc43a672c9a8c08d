import KubeAPI

extension JobSync {
    /// What a job's `podFailurePolicy` says about one failed pod.
    public enum FailureAction: Sendable, Hashable {
        /// Fail the whole job (the message explains which rule matched).
        case failJob(String)
        /// Do not count the failure against `backoffLimit`.
        case ignore
        /// Count the failure (also the answer when no rule matches).
        case count
    }

    /// Evaluates `policy`'s rules in order on a failed `pod`; the first matching rule decides.
    /// `FailIndex` is treated as `Count` (per-index backoff is not implemented).
    public static func failurePolicyAction(_ policy: BatchV1.PodFailurePolicy?, pod: CoreV1.Pod) -> FailureAction {
        guard let rules = policy?.rules else { return .count }
        let podName = "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
        for (position, rule) in rules.enumerated() {
            var matched: String?
            if let onExitCodes = rule.onExitCodes {
                let statuses = (pod.status?.initContainerStatuses ?? []) + (pod.status?.containerStatuses ?? [])
                for container in statuses {
                    if let only = onExitCodes.containerName, only != container.name { continue }
                    guard let code = container.state?.terminated?.exitCode, code != 0 else { continue }
                    let listed = (onExitCodes.values ?? []).contains(code)
                    if (onExitCodes.operator == "In" && listed) || (onExitCodes.operator == "NotIn" && !listed) {
                        matched = "Container \(container.name ?? "") for pod \(podName) failed with exit code \(code)"
                        break
                    }
                }
            } else if let patterns = rule.onPodConditions {
                for pattern in patterns {
                    let wanted = pattern.status ?? "True"
                    if pod.status?.conditions?.contains(where: { $0.type == pattern.type && $0.status == wanted }) ?? false {
                        matched = "Pod \(podName) has condition \(pattern.type ?? "") matching"
                        break
                    }
                }
            }
            guard let matched else { continue }
            switch rule.action {
            case "FailJob":
                if rule.onExitCodes != nil {
                    return .failJob("\(matched) matching FailJob rule at index \(position)")
                }
                return .failJob("\(matched) FailJob rule at index \(position)")
            case "Ignore": return .ignore
            default: return .count
            }
        }
        return .count
    }
}
