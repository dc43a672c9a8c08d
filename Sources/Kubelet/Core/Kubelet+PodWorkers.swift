import ContainerImages
import KubeAPI
import KubeClient
import Logging

extension Kubelet {
    /// Brings one pod's runtime state in line with its spec and reports its status.
    func syncPod(_ uid: String) async {
        guard let entry = state.withLock({ $0.pods[uid] }) else { return }
        if entry.gone {
            await cleanUp(uid, entry)
            return
        }
        if entry.pod.metadata.deletionTimestamp != nil {
            // Once the delete went out only the watch's deletion event is left to wait for.
            if !entry.deleteRequested { await terminate(uid, entry) }
            return
        }
        do {
            try await runPod(uid, entry)
        } catch is CancellationError {
            return
        } catch {
            logger.warning("pod sync failed", metadata: ["pod": "\(entry.pod.key)", "error": "\(error)"])
            queue.addAfter(.pod(uid), .seconds(1))
        }
    }

    private func runPod(_ uid: String, _ initial: PodEntry) async throws {
        var entry = initial
        let original = entry.pod
        // A phase once reported terminal never goes back, whatever a stale watch event says.
        var pod = original
        if let terminal = entry.terminalPhase { pod.status = pod.status ?? CoreV1.PodStatus(); pod.status?.phase = terminal }
        if entry.sandboxID == nil, let adopted = try await adoptableSandbox(podUID: uid) {
            // A restarted kubelet takes over the sandbox (and so the containers) it made before.
            entry.sandboxID = adopted
            state.withLock { $0.pods[uid]?.sandboxID = adopted }
            logger.info("adopted the pod's running sandbox", metadata: ["pod": "\(pod.key)", "sandbox": "\(adopted)"])
        }
        var view = try await runtimeView(entry.sandboxID)
        if entry.terminalPhase == nil, await killUnhealthyContainers(pod, view) {
            view = try await runtimeView(entry.sandboxID)
        }
        var plan = PodSyncPlan.compute(
            pod: pod, runtime: view, backoff: configuration.restartBackoff, now: clock.wallNanoseconds, health: containerHealth(pod, view))
        var retryAt: Duration?
        let volumesReady = await setUpVolumes(pod, podIPs: [view.sandbox?.ip].compactMap { $0 }, needed: plan.hasActions)
        if !volumesReady { retryAt = clock.elapsed + .seconds(2) }
        for _ in 0..<8 where plan.hasActions {
            switch plan.sandbox {
            case .create:
                if volumesReady, let sandboxConfig = sandboxConfig(for: pod) {
                    if let old = entry.sandboxID { try? await runtime.removePodSandbox(old) }
                    do {
                        entry.sandboxID = try await runtime.runPodSandbox(sandboxConfig)
                    } catch {
                        logger.warning("creating the pod sandbox failed", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
                        retryAt = clock.elapsed + .seconds(1)
                    }
                }
            case .stop:
                if let id = entry.sandboxID { try await runtime.stopPodSandbox(id) }
            case .keep:
                break
            }
            if volumesReady, let sandboxID = entry.sandboxID, let sandboxConfig = sandboxConfig(for: pod), view.sandboxReady || plan.sandbox == .create {
                for start in plan.start {
                    let problem = await startContainer(start, pod: pod, sandboxID: sandboxID, sandboxConfig: sandboxConfig, view: view)
                    entry.problems[start.name] = problem
                    if let problem {
                        let failures = (entry.pullFailures[start.name] ?? 0) + 1
                        entry.pullFailures[start.name] = failures
                        if problem.reason == "ErrImagePull" && failures > 1 {
                            let message = "Back-off pulling image \"\(pod.container(start.name)?.image ?? "")\""
                            entry.problems[start.name]?.reason = "ImagePullBackOff"
                            entry.problems[start.name]?.message = message
                            recordEvent(pod, container: start.name, warning: false, reason: "BackOff", message: message)
                            recordEvent(pod, container: start.name, warning: true, reason: "Failed", message: "Error: ImagePullBackOff")
                        }
                        let delay = configuration.imagePullBackoff.delay(restarts: failures, lastRun: .zero)
                        let at = clock.elapsed + delay
                        retryAt = min(retryAt ?? at, at)
                    } else {
                        entry.pullFailures[start.name] = nil
                    }
                }
            }
            view = try await runtimeView(entry.sandboxID)
            if let terminal = plan.terminalPhase {
                entry.terminalPhase = terminal
                pod.status = pod.status ?? CoreV1.PodStatus()
                pod.status?.phase = terminal
            }
            let next = PodSyncPlan.compute(
                pod: pod, runtime: view, backoff: configuration.restartBackoff, now: clock.wallNanoseconds, health: containerHealth(pod, view))
            if next.sandbox == plan.sandbox && next.start == plan.start { break }
            plan = next
        }
        let hostIPs = [configuration.nodeIP]
        let runtimeName = state.withLock { $0.runtimeVersion.runtimeName }
        if let terminal = plan.terminalPhase { entry.terminalPhase = terminal }
        reportBackoffs(pod, plan, &entry)
        entry.terminationMessages = terminationMessages(pod, view, known: entry.terminationMessages)
        var basis = original
        basis.status?.phase = entry.terminalPhase ?? original.status?.phase
        let status = PodStatusBuilder(hostIPs: hostIPs, runtimeName: runtimeName)
            .status(for: basis, runtime: view, plan: plan, problems: entry.problems, health: containerHealth(pod, view),
                    messages: entry.terminationMessages, now: clock.now)
        let (sandboxID, problems, pullFailures, terminal) = (entry.sandboxID, entry.problems, entry.pullFailures, entry.terminalPhase)
        let (backoffReported, messages, seen) = (entry.backoffReported, entry.terminationMessages, view)
        state.withLock { state in
            state.pods[uid]?.terminalPhase = terminal
            state.pods[uid]?.sandboxID = sandboxID
            state.pods[uid]?.problems = problems
            state.pods[uid]?.pullFailures = pullFailures
            state.pods[uid]?.backoffReported = backoffReported
            state.pods[uid]?.terminationMessages = messages
            state.pods[uid]?.view = seen
        }
        if terminal == nil {
            probes.ensureWorkers(for: original, host: self)
        } else {
            probes.stopWorkers(podUID: uid)
        }
        if status != original.status && status != entry.lastWritten {
            try await writeStatus(uid, pod: original, status: status)
            state.withLock { $0.pods[uid]?.lastWritten = status }
        }
        if let requeue = plan.requeueAt {
            queue.addAfter(.pod(uid), .nanoseconds(max(0, requeue - clock.wallNanoseconds)))
        }
        if let retryAt { queue.addAfter(.pod(uid), retryAt - clock.elapsed) }
    }

    /// Sends the new status as a JSON merge patch of `pods/status` (lists are replaced whole;
    /// fields that disappeared are cleared).
    func writeStatus(_ uid: String, pod: CoreV1.Pod, status: CoreV1.PodStatus) async throws {
        var body = try JSONValue(encoding: status)
        if let old = try pod.status.map({ try JSONValue(encoding: $0) }), let oldFields = old.objectValue, var newFields = body.objectValue {
            for key in oldFields.keys where newFields[key] == nil { newFields[key] = .null }
            body = .object(newFields)
        }
        let patch: JSONValue = ["metadata": ["uid": .string(uid)], "status": body]
        do {
            var updated = try await client.resource(CoreV1.Pod.self).patch(
                pod.metadata.name ?? "", namespace: pod.metadata.namespace, type: .merge, body: patch, subresource: "status")
            // Informers hold pods without managed fields; so does the kubelet, so that the watch
            // event of this very write compares equal and causes no further sync.
            updated.metadata.managedFields = nil
            state.withLock { state in
                guard var entry = state.pods[uid], entry.pod.metadata.resourceVersion == pod.metadata.resourceVersion,
                    updated.metadata.uid == uid
                else { return }
                entry.pod = updated
                state.pods[uid] = entry
            }
        } catch let error as StatusError where error.code == 404 {
            // Gone meanwhile: the watch reports the deletion.
        }
    }

    /// Creates and starts one container, pulling its image per its pull policy; returns the
    /// problem to show as its waiting reason when that fails.
    private func startContainer(
        _ start: PodSyncPlan.Start, pod: CoreV1.Pod, sandboxID: String, sandboxConfig: CRI.PodSandboxConfig, view: PodRuntimeView
    ) async -> ContainerProblem? {
        guard let container = pod.container(start.name, isInit: start.isInit) else { return nil }
        let image = container.image ?? ""
        let reference: ImageReference
        do {
            reference = try ImageReference(validating: image)
        } catch {
            return ContainerProblem(
                reason: "InvalidImageName",
                message: "Failed to apply default image tag \"\(image)\": couldn't parse image name \"\(image)\": invalid reference format")
        }
        let pullPolicy = container.imagePullPolicy ?? (reference.tag == "latest" ? "Always" : "IfNotPresent")
        let spec = CRI.ImageSpec(image)
        let event = { (warning: Bool, reason: String, message: String) in
            self.recordEvent(pod, container: start.name, warning: warning, reason: reason, message: message)
        }
        do {
            let present = try await runtime.imageStatus(spec) != nil
            if pullPolicy == "Never" && !present {
                let message = "Container image \"\(image)\" is not present with pull policy of Never"
                event(true, "ErrImageNeverPull", message)
                event(true, "Failed", "Error: ErrImageNeverPull")
                return ContainerProblem(reason: "ErrImageNeverPull", message: message)
            }
            if pullPolicy == "Always" || !present {
                event(false, "Pulling", "Pulling image \"\(image)\"")
                let began = clock.elapsed
                _ = try await runtime.pullImage(spec)
                let took = Self.goDuration(clock.elapsed - began)
                let size = (try? await runtime.imageStatus(spec))?.size ?? 0
                event(false, "Pulled", "Successfully pulled image \"\(image)\" in \(took) (\(took) including waiting). Image size: \(size) bytes.")
            } else {
                event(false, "Pulled", "Container image \"\(image)\" already present on machine")
            }
        } catch {
            let detail = (error as? RuntimeError)?.message ?? "\(error)"
            let message = "failed to pull and unpack image \"\(reference.normalized)\": \(detail)"
            event(true, "Failed", "Failed to pull image \"\(image)\": \(message)")
            event(true, "Failed", "Error: ErrImagePull")
            return ContainerProblem(reason: "ErrImagePull", message: message)
        }
        let policy: String
        if start.isInit {
            policy = container.restartPolicy == "Always" ? "Always" : (pod.restartPolicy == "Never" ? "Never" : "OnFailure")
        } else {
            policy = pod.restartPolicy
        }
        let config: CRI.ContainerConfig
        do {
            config = try await containerConfig(
                container, pod: pod, attempt: start.attempt, isInit: start.isInit, restartPolicy: policy, image: spec, sandboxID: sandboxID)
        } catch {
            let message = (error as? PodConfigError)?.message ?? "\(error)"
            event(true, "Failed", "Error: \(message)")
            return ContainerProblem(reason: "CreateContainerConfigError", message: message)
        }
        let id: String
        do {
            id = try await runtime.createContainer(inSandbox: sandboxID, config: config, sandboxConfig: sandboxConfig)
        } catch {
            let message = (error as? RuntimeError)?.message ?? "\(error)"
            event(true, "Failed", "Error: \(message)")
            return ContainerProblem(reason: "CreateContainerError", message: message)
        }
        event(false, "Created", "Created container: \(start.name)")
        do {
            try await runtime.startContainer(id)
        } catch {
            // A runtime that marks the attempt exited (containerd: exit code 128, reason
            // `StartError`, e.g. a command that does not exist) keeps it: it counts as a restart,
            // shows in `lastState` and restarts with crash-loop back-off, as upstream. Otherwise
            // the never-started container goes and the start is retried.
            if (try? await runtime.containerStatus(id))?.container.state != .exited {
                try? await runtime.removeContainer(id)
            }
            let message = (error as? RuntimeError)?.message ?? "\(error)"
            event(true, "Failed", "Error: \(message)")
            return ContainerProblem(reason: "RunContainerError", message: message)
        }
        event(false, "Started", "Started container \(start.name)")
        // Keep the newest exited attempt (for lastState); older ones go.
        for old in view.attempts(start.name).dropLast() {
            try? await runtime.removeContainer(old.container.id)
        }
        if let postStart = container.lifecycle?.postStart {
            return await runPostStart(postStart, pod: pod, container: container, containerID: id, sandboxID: sandboxID)
        }
        return nil
    }

    /// The runtime state of a sandbox and its containers.
    /// The newest ready sandbox the runtime holds for the pod with `uid` (labelled with its UID
    /// when it was made), or `nil`: what a kubelet restarted next to running pods adopts.
    func adoptableSandbox(podUID uid: String) async throws -> String? {
        let sandboxes = try await runtime.listPodSandbox(CRI.PodSandboxFilter(state: .ready, labels: [ContainerAnnotations.podUID: uid]))
        return sandboxes.max { $0.createdAt < $1.createdAt }?.id
    }

    func runtimeView(_ sandboxID: String?) async throws -> PodRuntimeView {
        guard let sandboxID else { return PodRuntimeView() }
        let sandbox: CRI.PodSandboxStatus
        do {
            sandbox = try await runtime.podSandboxStatus(sandboxID)
        } catch let error as RuntimeError where error.code == .notFound {
            return PodRuntimeView()
        }
        return PodRuntimeView(sandbox: sandbox, containers: try await runtime.containerStatuses(inSandbox: sandboxID))
    }

    /// Graceful deletion: within the grace period (`deletionGracePeriodSeconds`, else the spec's
    /// `terminationGracePeriodSeconds`, else 30 s) stops the regular containers in parallel
    /// (`preStop`, then SIGTERM and SIGKILL when the rest of the grace has passed), then the
    /// sidecars in reverse order, then the sandbox; reports the final status; then removes the
    /// pod from the API (grace 0, UID precondition).
    private func terminate(_ uid: String, _ entry: PodEntry) async {
        let pod = entry.pod
        probes.stopWorkers(podUID: uid)
        if let sandboxID = entry.sandboxID {
            let seconds = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
            let deadline = clock.elapsed + .seconds(max(0, seconds))
            let view = (try? await runtimeView(sandboxID)) ?? PodRuntimeView()
            let ip = podIP(pod, view)
            let sidecarNames = (pod.spec?.initContainers ?? []).filter { $0.restartPolicy == "Always" }.compactMap(\.name)
            let running = view.containers.filter { $0.container.state == .running }
            await withTaskGroup(of: Void.self) { group in
                for status in running where !sidecarNames.contains(status.container.metadata.name) {
                    group.addTask {
                        await self.killContainer(pod, status, grace: max(.zero, deadline - self.clock.elapsed), message: nil, podIP: ip)
                    }
                }
            }
            for name in sidecarNames.reversed() {
                for status in running where status.container.metadata.name == name {
                    await killContainer(pod, status, grace: max(.zero, deadline - clock.elapsed), message: nil, podIP: ip)
                }
            }
            try? await runtime.stopPodSandbox(sandboxID)
            await writeFinalStatus(uid, entry, sandboxID: sandboxID)
        }
        do {
            var options = DeleteOptions()
            options.gracePeriodSeconds = 0
            options.preconditionUID = uid
            try await client.resource(CoreV1.Pod.self).delete(pod.metadata.name ?? "", namespace: pod.metadata.namespace, options: options)
        } catch let error as StatusError where error.code == 404 || error.code == 409 {
            // Already gone, or a different pod of the same name now.
        } catch {
            logger.warning("deleting the pod failed", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
            queue.addAfter(.pod(uid), .seconds(1))
            return
        }
        state.withLock { $0.pods[uid]?.deleteRequested = true }
    }

    /// Reports the status of a pod whose containers have all been stopped: every container
    /// terminated, the phase `Succeeded` when they all exited 0, else `Failed`.
    private func writeFinalStatus(_ uid: String, _ entry: PodEntry, sandboxID: String) async {
        guard let view = try? await runtimeView(sandboxID) else { return }
        var basis = entry.pod
        basis.spec?.restartPolicy = "Never"
        var plan = PodSyncPlan()
        if entry.terminalPhase != nil { plan.terminalPhase = entry.terminalPhase }
        let messages = terminationMessages(entry.pod, view, known: entry.terminationMessages)
        let runtimeName = state.withLock { $0.runtimeVersion.runtimeName }
        var status = PodStatusBuilder(hostIPs: [configuration.nodeIP], runtimeName: runtimeName)
            .status(for: basis, runtime: view, plan: plan, problems: entry.problems, messages: messages, now: clock.now)
        if status.phase == "Running" || status.phase == "Pending" {
            // Containers that never ran count as failed for a pod stopped before they did.
            status.phase = "Failed"
        }
        guard status != entry.pod.status else { return }
        try? await writeStatus(uid, pod: entry.pod, status: status)
    }

    /// Removes what the runtime still holds for a pod that left the API, and forgets it.
    private func cleanUp(_ uid: String, _ entry: PodEntry) async {
        probes.stopWorkers(podUID: uid)
        if let sandboxID = entry.sandboxID {
            try? await runtime.stopPodSandbox(sandboxID)
            try? await runtime.removePodSandbox(sandboxID)
        }
        tearDownVolumes(uid)
        state.withLock { state in
            if state.pods[uid]?.gone == true { state.pods[uid] = nil }
        }
    }
}

extension CoreV1.Pod {
    /// The spec of the named container (init containers first when `isInit`).
    func container(_ name: String, isInit: Bool? = nil) -> CoreV1.Container? {
        let inits = spec?.initContainers ?? []
        let regular = spec?.containers ?? []
        switch isInit {
        case .some(true): return inits.first { $0.name == name }
        case .some(false): return regular.first { $0.name == name }
        case .none: return (regular + inits).first { $0.name == name }
        }
    }
}
