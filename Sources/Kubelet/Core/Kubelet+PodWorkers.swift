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
        var view = try await runtimeView(entry.sandboxID)
        var plan = PodSyncPlan.compute(pod: pod, runtime: view, backoff: configuration.restartBackoff, now: clock.wallNanoseconds)
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
                            entry.problems[start.name]?.reason = "ImagePullBackOff"
                            entry.problems[start.name]?.message = "Back-off pulling image \"\(pod.container(start.name)?.image ?? "")\""
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
            let next = PodSyncPlan.compute(pod: pod, runtime: view, backoff: configuration.restartBackoff, now: clock.wallNanoseconds)
            if next.sandbox == plan.sandbox && next.start == plan.start { break }
            plan = next
        }
        let hostIPs = [configuration.nodeIP]
        let runtimeName = state.withLock { $0.runtimeVersion.runtimeName }
        if let terminal = plan.terminalPhase { entry.terminalPhase = terminal }
        var basis = original
        basis.status?.phase = entry.terminalPhase ?? original.status?.phase
        let status = PodStatusBuilder(hostIPs: hostIPs, runtimeName: runtimeName)
            .status(for: basis, runtime: view, plan: plan, problems: entry.problems, now: clock.now)
        let (sandboxID, problems, pullFailures, terminal) = (entry.sandboxID, entry.problems, entry.pullFailures, entry.terminalPhase)
        state.withLock { state in
            state.pods[uid]?.terminalPhase = terminal
            state.pods[uid]?.sandboxID = sandboxID
            state.pods[uid]?.problems = problems
            state.pods[uid]?.pullFailures = pullFailures
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
            let updated = try await client.resource(CoreV1.Pod.self).patch(
                pod.metadata.name ?? "", namespace: pod.metadata.namespace, type: .merge, body: patch, subresource: "status")
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
            reference = try ImageReference(image)
        } catch {
            return ContainerProblem(
                reason: "InvalidImageName",
                message: "Failed to apply default image tag \"\(image)\": couldn't parse image name \"\(image)\": invalid reference format")
        }
        let pullPolicy = container.imagePullPolicy ?? (reference.tag == "latest" ? "Always" : "IfNotPresent")
        let spec = CRI.ImageSpec(image)
        do {
            let present = try await runtime.imageStatus(spec) != nil
            if pullPolicy == "Never" && !present {
                return ContainerProblem(
                    reason: "ErrImageNeverPull", message: "Container image \"\(image)\" is not present with pull policy of Never")
            }
            if pullPolicy == "Always" || !present {
                _ = try await runtime.pullImage(spec)
            }
        } catch {
            let detail = (error as? RuntimeError)?.message ?? "\(error)"
            return ContainerProblem(reason: "ErrImagePull", message: "failed to pull and unpack image \"\(reference.normalized)\": \(detail)")
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
            return ContainerProblem(reason: "CreateContainerConfigError", message: (error as? PodConfigError)?.message ?? "\(error)")
        }
        let id: String
        do {
            id = try await runtime.createContainer(inSandbox: sandboxID, config: config, sandboxConfig: sandboxConfig)
        } catch {
            return ContainerProblem(reason: "CreateContainerError", message: (error as? RuntimeError)?.message ?? "\(error)")
        }
        do {
            try await runtime.startContainer(id)
        } catch {
            try? await runtime.removeContainer(id)
            return ContainerProblem(reason: "RunContainerError", message: (error as? RuntimeError)?.message ?? "\(error)")
        }
        // Keep the newest exited attempt (for lastState); older ones go.
        for old in view.attempts(start.name).dropLast() {
            try? await runtime.removeContainer(old.container.id)
        }
        return nil
    }

    /// The runtime state of a sandbox and its containers.
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

    /// Graceful deletion: stops the containers within the grace period, then removes the pod from
    /// the API (grace 0, UID precondition) and its sandbox from the runtime.
    private func terminate(_ uid: String, _ entry: PodEntry) async {
        let pod = entry.pod
        if let sandboxID = entry.sandboxID {
            let grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
            let view = (try? await runtimeView(sandboxID)) ?? PodRuntimeView()
            let running = view.containers.filter { $0.container.state == .running }.map(\.container.id)
            await withTaskGroup(of: Void.self) { group in
                for id in running {
                    group.addTask { try? await self.runtime.stopContainer(id, timeout: .seconds(Int64(max(0, grace)))) }
                }
            }
            try? await runtime.stopPodSandbox(sandboxID)
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

    /// Removes what the runtime still holds for a pod that left the API, and forgets it.
    private func cleanUp(_ uid: String, _ entry: PodEntry) async {
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
