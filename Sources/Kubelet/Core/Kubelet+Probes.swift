import KubeAPI

extension Kubelet: ProbeHost {
    func probeObservation(podUID: String, container: String) -> ProbeObservation? {
        state.withLock { state -> ProbeObservation? in
            guard let entry = state.pods[podUID], !entry.gone, entry.pod.metadata.deletionTimestamp == nil,
                let spec = entry.pod.container(container)
            else { return nil }
            return ProbeObservation(
                pod: entry.pod, container: spec, status: entry.view.latest(container), podIP: podIP(entry.pod, entry.view))
        }
    }

    func probeResultChanged(podUID: String) {
        queue.add(.pod(podUID))
    }

    func probeEvent(_ pod: CoreV1.Pod, container: String, warning: Bool, reason: String, message: String) {
        recordEvent(pod, container: container, warning: warning, reason: reason, message: message)
    }

    /// The address network probes and hooks go to: the node's for host-network pods, else the
    /// sandbox's.
    func podIP(_ pod: CoreV1.Pod, _ view: PodRuntimeView) -> String? {
        if pod.spec?.hostNetwork == true { return configuration.nodeIP }
        return view.sandbox?.ip
    }

    /// Kills the running containers whose liveness or startup probe failed for good, each with
    /// its probe's grace period (or the pod's); returns whether it killed any.
    func killUnhealthyContainers(_ pod: CoreV1.Pod, _ view: PodRuntimeView) async -> Bool {
        let uid = pod.metadata.uid ?? ""
        var killed = false
        for status in view.containers where status.container.state == .running {
            let name = status.container.metadata.name
            guard let spec = pod.container(name),
                let kind = probes.failedProbe(of: spec, podUID: uid, containerID: status.container.id)
            else { continue }
            let probe = kind == .startup ? spec.startupProbe : spec.livenessProbe
            let seconds = probe?.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
            let isInit = pod.container(name, isInit: false) == nil
            let restarts = isInit ? spec.restartPolicy == "Always" : pod.restartPolicy != "Never"
            var message = "Container \(name) failed \(kind.rawValue.lowercased()) probe"
            if restarts { message += ", will be restarted" }
            await killContainer(pod, status, grace: .seconds(max(0, seconds)), message: message, podIP: podIP(pod, view))
            killed = true
        }
        return killed
    }

    /// Stops one container the way upstream does: a `Killing` event, the `preStop` hook (bounded
    /// by the grace period, a failure reported as `FailedPreStopHook`), then `stopContainer` with
    /// what is left of the grace period (at least 2 s after a hook) so the runtime sends SIGTERM
    /// and SIGKILL when it runs out.
    func killContainer(_ pod: CoreV1.Pod, _ status: CRI.ContainerStatus, grace: Duration, message: String?, podIP: String?) async {
        let name = status.container.metadata.name
        let spec = pod.container(name)
        recordEvent(pod, container: name, warning: false, reason: "Killing", message: message ?? "Stopping container \(name)")
        var remaining = grace
        if let preStop = spec?.lifecycle?.preStop, let spec, grace > .zero {
            let started = clock.elapsed
            if let failure = await hooks.run(
                preStop, pod: pod, container: spec, containerID: status.container.id, podIP: podIP, timeout: grace) {
                recordEvent(pod, container: name, warning: true, reason: "FailedPreStopHook", message: failure)
            }
            remaining = max(grace - (clock.elapsed - started), .seconds(2))
        }
        do {
            try await runtime.stopContainer(status.container.id, timeout: remaining)
        } catch {
            logger.warning("stopping a container failed", metadata: ["pod": "\(pod.key)", "container": "\(name)", "error": "\(error)"])
        }
    }

    /// The probe-derived `started`/`ready` flags of the pod's running containers, by container ID.
    func containerHealth(_ pod: CoreV1.Pod, _ view: PodRuntimeView) -> [String: ContainerHealth] {
        let uid = pod.metadata.uid ?? ""
        var health: [String: ContainerHealth] = [:]
        for status in view.containers where status.container.state == .running {
            guard let spec = pod.container(status.container.metadata.name) else { continue }
            health[status.container.id] = probes.health(of: spec, podUID: uid, containerID: status.container.id)
        }
        return health
    }
}
