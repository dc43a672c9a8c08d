import KubeAPI

extension Kubelet {
    /// How long a `postStart` hook may run. Upstream sets no bound; one keeps a hung hook from
    /// holding the pod's worker forever.
    static let postStartTimeout = Duration.seconds(120)

    /// Records an event about a container of `pod` (`fieldPath` `spec.containers{NAME}` or
    /// `spec.initContainers{NAME}`), or about the pod when `container` is `nil`.
    func recordEvent(_ pod: CoreV1.Pod, container: String?, warning: Bool, reason: String, message: String) {
        let fieldPath = container.map { name in
            KubeletEventRecorder.fieldPath(container: name, isInit: pod.container(name, isInit: false) == nil)
        }
        events.record(pod: pod, type: warning ? "Warning" : "Normal", reason: reason, message: message, fieldPath: fieldPath)
    }

    /// Runs a started container's `postStart` hook; when it fails, records `FailedPostStartHook`,
    /// kills the container (it then restarts per the pod's policy) and returns the problem shown
    /// as its waiting reason (`PostStartHookError`).
    func runPostStart(
        _ handler: CoreV1.LifecycleHandler, pod: CoreV1.Pod, container: CoreV1.Container, containerID: String, sandboxID: String
    ) async -> ContainerProblem? {
        let ip: String?
        if pod.spec?.hostNetwork == true {
            ip = configuration.nodeIP
        } else {
            ip = (try? await runtime.podSandboxStatus(sandboxID))?.ip
        }
        guard let failure = await hooks.run(
            handler, pod: pod, container: container, containerID: containerID, podIP: ip, timeout: Self.postStartTimeout)
        else { return nil }
        let name = container.name ?? ""
        recordEvent(pod, container: name, warning: true, reason: "FailedPostStartHook", message: failure)
        if let status = try? await runtime.containerStatus(containerID) {
            let grace = Duration.seconds(max(0, pod.spec?.terminationGracePeriodSeconds ?? 30))
            await killContainer(pod, status, grace: grace, message: "FailedPostStartHook", podIP: ip)
        }
        return ContainerProblem(reason: "PostStartHookError", message: failure)
    }

    /// Records one `BackOff` event per crash-loop back-off of the plan.
    func reportBackoffs(_ pod: CoreV1.Pod, _ plan: PodSyncPlan, _ entry: inout PodEntry) {
        let podName = "\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(pod.metadata.uid ?? ""))"
        for (name, backoff) in plan.backoff.sorted(by: { $0.key < $1.key }) where entry.backoffReported[name] != backoff.notBefore {
            entry.backoffReported[name] = backoff.notBefore
            recordEvent(pod, container: name, warning: true, reason: "BackOff",
                        message: "Back-off restarting failed container \(name) in pod \(podName)")
        }
    }

    /// A duration as Go prints one, to the millisecond (`512ms`, `1.2s`, `2m3.5s`).
    static func goDuration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        if milliseconds == 0 { return "0s" }
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        func secondsText(_ ms: Int64) -> String {
            let whole = ms / 1000
            var fraction = String(ms % 1000)
            if fraction == "0" { return "\(whole)s" }
            fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            return "\(whole).\(fraction)s"
        }
        let minutes = milliseconds / 60_000
        if minutes == 0 { return secondsText(milliseconds) }
        let hours = minutes / 60
        let rest = secondsText(milliseconds % 60_000)
        return hours == 0 ? "\(minutes)m\(rest)" : "\(hours)h\(minutes % 60)m\(rest)"
    }
}
