import KubeAPI
import Logging

/// What the pod workers need besides the runtime: sandbox and container configurations built
/// from the pod spec, and the pod's volumes on disk.
extension Kubelet {
    /// The sandbox configuration for `pod`, or `nil` while it must wait for the node's pod CIDR
    /// (or when its hostname cannot be made, which is reported as an event).
    func sandboxConfig(for pod: CoreV1.Pod) -> CRI.PodSandboxConfig? {
        let hostNetwork = pod.spec?.hostNetwork ?? false
        let hasCIDR = state.withLock { $0.podCIDR != nil }
        if !hostNetwork && !hasCIDR && configuration.waitForPodCIDR { return nil }
        do {
            return try sandboxBuilder().config(for: pod, hostNetwork: !hasCIDR)
        } catch {
            events.record(pod: pod, type: "Warning", reason: "FailedCreatePodSandBox", message: error.message)
            return nil
        }
    }

    /// A sandbox builder from the configuration and the node's current `resolv.conf`.
    func sandboxBuilder() -> SandboxConfigBuilder {
        let hostDNS = configuration.resolvConf.flatMap(NodeFiles.read).map { ResolvConf(parsing: String(decoding: $0, as: UTF8.self)) }
        var builder = SandboxConfigBuilder(
            clusterDNS: configuration.clusterDNS, clusterDomain: configuration.clusterDomain, hostDNS: hostDNS ?? ResolvConf(),
            podLogsRoot: configuration.podLogsDirectory, cgroupDriver: configuration.cgroupDriver, nodeHostname: configuration.hostname)
        builder.cgroupRoot = configuration.cgroupRoot
        return builder
    }

    /// The downward API values of `pod` with the given pod IPs.
    func downwardAPI(_ pod: CoreV1.Pod, podIPs: [String]) -> DownwardAPI {
        DownwardAPI(pod: pod, podIPs: podIPs, hostIPs: [configuration.nodeIP], allocatable: configuration.allocatable ?? configuration.capacity)
    }

    /// Sets up the pod's volumes when the node keeps them and `needed` (containers are to be
    /// started) or a refresh is due; on failure records a `FailedMount` event per volume and
    /// returns false (the caller retries).
    func setUpVolumes(_ pod: CoreV1.Pod, podIPs: [String], needed: Bool) async -> Bool {
        guard let volumeManager, needed || volumeManager.isResyncDue(pod.metadata.uid ?? "") else { return true }
        let (_, failures) = await volumeManager.setUp(pod, downward: downwardAPI(pod, podIPs: podIPs))
        for failure in failures {
            events.record(
                pod: pod, type: "Warning", reason: "FailedMount",
                message: "MountVolume.SetUp failed for volume \"\(failure.volume)\" : \(failure.error.message)")
        }
        if !failures.isEmpty {
            logger.info("pod volumes not ready", metadata: ["pod": "\(pod.key)", "volumes": "\(failures.map(\.volume))"])
        }
        return failures.isEmpty
    }

    /// Removes the pod's volumes from disk (after its sandbox is gone).
    func tearDownVolumes(_ uid: String) {
        guard let volumeManager else { return }
        do {
            try volumeManager.tearDown(uid)
        } catch {
            logger.warning("removing pod volumes failed", metadata: ["uid": "\(uid)", "error": "\(error)"])
        }
    }

    /// Every `volumeResyncInterval`, queues the pods with volumes so that their configMap,
    /// secret, downward API and projected contents (and tokens) are refreshed.
    func runVolumeResync() async {
        guard let volumeManager else { return }
        while !Task.isCancelled {
            do {
                try await clock.sleep(for: configuration.volumeResyncInterval)
            } catch {
                return
            }
            for uid in volumeManager.markResyncDue() { queue.add(.pod(uid)) }
            await removeOrphanedVolumes(volumeManager)
        }
    }

    /// Removes the directories of pods the kubelet no longer knows (deleted while it was down)
    /// once the runtime holds no sandbox for them.
    func removeOrphanedVolumes(_ volumeManager: VolumeManager) async {
        let known = state.withLock { Set($0.pods.keys) }
        for uid in volumeManager.orphans(known: known) {
            let filter = CRI.PodSandboxFilter(labels: [ContainerAnnotations.podUID: uid])
            guard let sandboxes = try? await runtime.listPodSandbox(filter), sandboxes.isEmpty else { continue }
            logger.info("removing volumes of an orphaned pod", metadata: ["uid": "\(uid)"])
            tearDownVolumes(uid)
        }
    }

    /// The pod's IPs from its sandbox, primary first (empty without a sandbox or an IP).
    func podIPs(sandboxID: String?) async -> [String] {
        guard let sandboxID, let status = try? await runtime.podSandboxStatus(sandboxID) else { return [] }
        return ([status.ip].compactMap { $0 } + status.additionalIPs).filter { !$0.isEmpty }
    }

    /// The runtime configuration of one container: environment resolved from the API (a missing
    /// object or key is a `CreateContainerConfigError`), volumes mounted, `/etc/hosts` and the
    /// termination-message file when the node keeps files.
    func containerConfig(
        _ container: CoreV1.Container, pod: CoreV1.Pod, attempt: Int, isInit: Bool, restartPolicy: String,
        image: CRI.ImageSpec, sandboxID: String
    ) async throws -> CRI.ContainerConfig {
        let ips = await podIPs(sandboxID: sandboxID)
        let downward = downwardAPI(pod, podIPs: ips)
        let environment = try await ContainerEnvironment.resolve(
            container, downward: downward, services: try serviceVariables(for: pod), source: objects)
        if !environment.invalidKeys.isEmpty {
            events.record(
                pod: pod, type: "Warning", reason: "InvalidEnvironmentVariableNames",
                message: "Keys [\(environment.invalidKeys.joined(separator: ", "))] from the EnvFrom configMap or secret were skipped since they are considered invalid environment variable names.",
                fieldPath: KubeletEventRecorder.fieldPath(container: container.name ?? "", isInit: isInit))
        }
        var volumes: PodVolumes?
        var terminationLog: String?
        if let volumeManager {
            let uid = pod.metadata.uid ?? ""
            if let mounted = volumeManager.mounted(uid) {
                volumes = mounted
            } else {
                let (set, failures) = await volumeManager.setUp(pod, downward: downward)
                if let failure = failures.first {
                    throw PodConfigError("MountVolume.SetUp failed for volume \"\(failure.volume)\" : \(failure.error.message)")
                }
                volumes = set
            }
            volumes?.hostsFile = try volumeManager.writeHostsFile(uid, contents: hostsFileContents(pod, podIPs: ips))
            terminationLog = try volumeManager.terminationLogFile(uid, container: container.name ?? "", attempt: attempt)
        }
        var memoryCapacity: Int64 = 0
        if let memory = configuration.capacity["memory"] { memoryCapacity = memory.value }
        return try ContainerConfigBuilder(pod: pod, memoryCapacity: memoryCapacity).config(
            for: container, attempt: attempt, isInit: isInit, restartPolicy: restartPolicy, image: image,
            environment: environment, volumes: volumes, terminationLog: terminationLog)
    }

    /// The service variables of `pod` when the configuration asks for them.
    func serviceVariables(for pod: CoreV1.Pod) throws(PodConfigError) -> [(name: String, value: String)] {
        guard configuration.serviceEnvironment, let informer = state.withLock({ $0.services }) else { return [] }
        guard informer.hasSynced() else { throw PodConfigError("services have not yet been read at least once, cannot construct envvars") }
        return ServiceEnvironment.variables(for: ServiceEnvironment.services(for: pod, from: informer.lister.list()))
    }

    /// The pod's `/etc/hosts`: its IPs and names, or the node's file for a host-network pod.
    func hostsFileContents(_ pod: CoreV1.Pod, podIPs: [String]) -> String {
        let aliases = pod.spec?.hostAliases ?? []
        if pod.spec?.hostNetwork == true || podIPs.isEmpty {
            let node = NodeFiles.read(configuration.hostsFile).map { String(decoding: $0, as: UTF8.self) } ?? ""
            return PodHostsFile.contents(hostNetworkWith: node, aliases: aliases)
        }
        let builder = sandboxBuilder()
        let hostname = (try? builder.hostname(of: pod)) ?? (pod.metadata.name ?? "")
        let short = hostname.split(separator: ".").first.map(String.init) ?? hostname
        return PodHostsFile.contents(podIPs: podIPs, hostname: short, domain: builder.hostDomain(of: pod), aliases: aliases)
    }
}
