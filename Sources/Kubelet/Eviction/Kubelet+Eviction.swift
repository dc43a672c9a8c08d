import KubeAPI
import KubeClient
import Logging

extension Kubelet {
    /// A status builder with this node's machine facts and current pressure.
    func nodeStatusBuilder(version: CRI.Version, images: [CRI.Image]?) -> NodeStatusBuilder {
        NodeStatusBuilder(
            configuration: configuration, runtimeVersion: version, machine: machine, pressure: resources.withLock { $0.pressure },
            images: images)
    }

    /// `status.images` when it differs from what was last reported (real nodes only).
    func changedNodeImages() async -> [CoreV1.ContainerImage]? {
        guard configuration.nodeResources.host != nil, let images = try? await runtime.listImages() else { return nil }
        let listed = NodeStatusBuilder.nodeImages(images, limit: configuration.nodeResources.maxImagesInNodeStatus)
        return resources.withLock { $0.reportedImages } == listed ? nil : listed
    }

    /// Every `housekeepingInterval`: reads the node's figures, updates the pressure conditions
    /// (reporting them at once when they change) and evicts a pod when a hard threshold is met.
    func runHousekeeping() async {
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.nodeResources.housekeepingInterval)
            } catch {
                return
            }
            await housekeep()
        }
    }

    /// One housekeeping round.
    func housekeep() async {
        await enforceEmptyDirLimits()
        let thresholds: [EvictionThreshold]
        do {
            thresholds = try EvictionThreshold.parse(configuration.nodeResources.evictionHard)
        } catch {
            logger.error("invalid eviction thresholds", metadata: ["error": "\(error)"])
            return
        }
        guard var (summary, met) = await observe(thresholds) else { return }
        let (before, after) = resources.withLock { state in
            let before = state.pressure
            state.pressure = state.tracker.update(met: met, now: clock.elapsed)
            state.thresholdsMet = met
            return (before, state.pressure)
        }
        if before != after {
            logger.info("node pressure changed", metadata: ["pressure": "\(after.conditions.map(\.rawValue).sorted())"])
            await reportNodeStatus(force: false)
        }
        guard !met.isEmpty else { return }
        // Disk pressure first reclaims node-level resources: dead containers and unused images.
        if met.contains(where: { $0.threshold.signal.condition == .disk }) {
            await collectContainers()
            await collectImages(reclaimAll: true)
            guard let again = await observe(thresholds) else { return }
            (summary, met) = again
            if met.isEmpty { return }
        }
        let candidates = evictionCandidates(summary: summary, signal: met[0].threshold.signal)
        guard let decision = EvictionRanking.decide(met: met, candidates: candidates) else {
            logger.warning("eviction threshold met but no pod can be evicted", metadata: ["signal": "\(met[0].threshold.signal.rawValue)"])
            return
        }
        await evict(decision)
    }

    /// A summary and the thresholds it meets; `nil` when the figures cannot be gathered.
    private func observe(_ thresholds: [EvictionThreshold]) async -> (StatsSummary, [ThresholdMet])? {
        do {
            let summary = try await stats.collect()
            return (summary, stats.observations(summary).thresholdsMet(thresholds))
        } catch {
            logger.warning("reading node figures failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The pods this kubelet runs, with their usage of the resource `signal` starves.
    func evictionCandidates(summary: StatsSummary, signal: EvictionSignal) -> [EvictionCandidate] {
        let pods = state.withLock { state in state.pods.values.filter { !$0.gone && $0.terminalPhase == nil }.map(\.pod) }
        let byUID = Dictionary(summary.pods.map { ($0.podRef.uid, $0) }, uniquingKeysWith: { first, _ in first })
        return pods.map { pod in
            var usage: [String: Int64] = [:]
            for container in byUID[pod.metadata.uid ?? ""]?.containers ?? [] {
                let value: UInt64? = switch signal {
                case .memoryAvailable: container.memory?.workingSetBytes
                case .nodefsAvailable, .imagefsAvailable: container.rootfs?.usedBytes
                default: nil
                }
                if let value { usage[container.name] = Int64(clamping: value) }
            }
            return EvictionCandidate(pod: pod, containerUsage: usage)
        }
    }

    /// Evicts every running pod with a disk-backed emptyDir whose files take more than its
    /// `sizeLimit`, as upstream's local storage eviction does (memory-backed ones are tmpfs
    /// mounts of that size and cannot grow past it).
    func enforceEmptyDirLimits() async {
        guard let host = configuration.nodeResources.host, let root = configuration.rootDirectory else { return }
        let pods = state.withLock { state in state.pods.values.filter { !$0.gone && $0.terminalPhase == nil && $0.sandboxID != nil }.map(\.pod) }
        for pod in pods where pod.metadata.deletionTimestamp == nil {
            guard let uid = pod.metadata.uid else { continue }
            for volume in pod.spec?.volumes ?? [] {
                guard let name = volume.name, let emptyDir = volume.emptyDir, emptyDir.medium != "Memory",
                      let limit = emptyDir.sizeLimit, limit.value > 0,
                      let used = host.directoryUsageBytes("\(root)/pods/\(uid)/volumes/kubernetes.io~empty-dir/\(name)"),
                      used > limit.value
                else { continue }
                await evict(pod, message: "Usage of EmptyDir volume \"\(name)\" exceeds the limit \"\(limit)\". ", signal: "emptyDir")
                break
            }
        }
    }

    /// Evicts the pod a met threshold chose.
    func evict(_ decision: EvictionDecision) async {
        await evict(decision.pod, message: decision.message, signal: decision.met.threshold.signal.rawValue)
    }

    /// Fails the pod with reason `Evicted` (and a `DisruptionTarget` condition), records a
    /// `Warning` `Evicted` event with the same message, then lets its worker stop it: a
    /// terminal phase stops the sandbox, killing its containers at once.
    func evict(_ pod: CoreV1.Pod, message: String, signal: String) async {
        guard let uid = pod.metadata.uid, let name = pod.metadata.name else { return }
        logger.warning("evicting pod", metadata: ["pod": "\(pod.key)", "signal": "\(signal)", "message": "\(message)"])
        var conditions = (pod.status?.conditions ?? []).filter { $0.type != "DisruptionTarget" }
        conditions.append(
            CoreV1.PodCondition(
                lastTransitionTime: clock.now, message: message, reason: "TerminationByKubelet", status: "True",
                type: "DisruptionTarget"))
        let status: JSONValue = [
            "phase": "Failed", "reason": .string(EvictionRanking.reason), "message": .string(message),
            "conditions": (try? JSONValue(encoding: conditions)) ?? .null,
        ]
        do {
            let patched = try await client.resource(CoreV1.Pod.self).patch(
                name, namespace: pod.metadata.namespace ?? "default", type: .merge, body: ["status": status], subresource: "status")
            state.withLock { state in
                state.pods[uid]?.pod = patched
                state.pods[uid]?.terminalPhase = "Failed"
            }
            recordEvent(pod, container: nil, warning: true, reason: EvictionRanking.reason, message: message)
            queue.add(.pod(uid))
        } catch {
            logger.warning("evicting pod failed", metadata: ["pod": "\(pod.key)", "error": "\(error)"])
        }
    }
}
