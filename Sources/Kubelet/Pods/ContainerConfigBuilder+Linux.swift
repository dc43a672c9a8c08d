import KubeAPI

extension ContainerConfigBuilder {
    /// The default CFS period (100 ms) in microseconds.
    public static let cpuPeriod: Int64 = 100_000
    /// The least CPU shares a container gets.
    public static let minimumShares: Int64 = 2
    /// The least CFS quota (1 ms).
    public static let minimumQuota: Int64 = 1_000

    /// cgroup settings: CPU shares from the CPU request (`milli × 1024 / 1000`, at least 2), a
    /// CFS quota from the CPU limit over a 100 ms period, the memory limit, and the OOM score of
    /// the pod's QoS class.
    public func resources(of container: CoreV1.Container) -> CRI.LinuxResources {
        let requests = container.resources?.requests ?? [:]
        let limits = container.resources?.limits ?? [:]
        var result = CRI.LinuxResources()
        let cpuRequest = (requests["cpu"] ?? limits["cpu"])?.milliValue ?? 0
        result.cpuShares = max(Self.minimumShares, cpuRequest * 1024 / 1000)
        if let cpuLimit = limits["cpu"], !cpuLimit.isZero {
            result.cpuPeriod = Self.cpuPeriod
            result.cpuQuota = max(Self.minimumQuota, cpuLimit.milliValue * Self.cpuPeriod / 1000)
        }
        if let memory = limits["memory"], !memory.isZero {
            result.memoryLimitInBytes = memory.value
        }
        result.oomScoreAdj = oomScoreAdjust(for: container)
        return result
    }

    /// `-997` for Guaranteed and node-critical pods, `1000` for BestEffort, and for Burstable
    /// `1000 − 1000 × request / capacity`, kept within 3...999 (above any Guaranteed container,
    /// below BestEffort ones).
    func oomScoreAdjust(for container: CoreV1.Container) -> Int64 {
        if pod.spec?.priorityClassName == "system-node-critical" { return -997 }
        switch PodQOS.qosClass(of: pod.spec) {
        case "Guaranteed": return -997
        case "BestEffort": return 1000
        default:
            guard memoryCapacity > 0 else { return 999 }
            let request = container.resources?.requests?["memory"]?.value ?? 0
            let score = 1000 - (1000 * request) / memoryCapacity
            return min(999, max(3, score))
        }
    }

    /// The container's security settings, container fields over pod fields: user and group,
    /// `runAsNonRoot` (a UID of 0 is refused), privileged, capabilities, read-only root,
    /// `no_new_privs` when `allowPrivilegeEscalation` is false (never for privileged ones),
    /// `fsGroup` then `supplementalGroups`, and the pod's namespaces.
    public func security(of container: CoreV1.Container) throws(PodConfigError) -> CRI.LinuxSecurityContext {
        let podContext = pod.spec?.securityContext
        let context = container.securityContext
        let runAsUser = (context?.runAsUser ?? podContext?.runAsUser).map(Int64.init)
        let runAsGroup = (context?.runAsGroup ?? podContext?.runAsGroup).map(Int64.init)
        if (context?.runAsNonRoot ?? podContext?.runAsNonRoot) == true, runAsUser == 0 {
            throw PodConfigError(
                "container's runAsUser breaks non-root policy (pod: \"\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(pod.metadata.uid ?? ""))\", container: \(container.name ?? ""))")
        }
        let privileged = context?.privileged ?? false
        return CRI.LinuxSecurityContext(
            addCapabilities: context?.capabilities?.add ?? [], dropCapabilities: context?.capabilities?.drop ?? [],
            privileged: privileged, namespaces: SandboxConfigBuilder.namespaces(of: pod.spec),
            runAsUser: runAsUser, runAsGroup: runAsGroup,
            supplementalGroups: SandboxConfigBuilder.supplementalGroups(of: podContext),
            readOnlyRootFilesystem: context?.readOnlyRootFilesystem ?? false,
            noNewPrivileges: !privileged && context?.allowPrivilegeEscalation == false)
    }
}
