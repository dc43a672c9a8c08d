#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import KubeAPI
import Logging
import Synchronization

/// Makes a pod's volumes on the node before its containers are created, under
/// `ROOT/pods/UID/volumes/PLUGIN/NAME`, and removes them with the pod: emptyDir (a tmpfs for
/// `medium: Memory`), configMap, secret, downwardAPI and projected volumes (secret and projected
/// ones on a tmpfs when the process may mount; all written through
/// ``AtomicWriter`` so a later set-up swaps in new contents), hostPath (checked per `type`), and
/// claims bound to hostPath or local persistent volumes. It also keeps the pod's `/etc/hosts` and
/// its containers' termination-message files.
///
/// Set-up of one pod is not re-entrant: the kubelet calls it from the pod's worker only.
public final class VolumeManager: Sendable {
    /// The kubelet's root (`/var/lib/kubelet`).
    public let root: String
    let source: any PodObjectSource
    let clock: KubeletClock
    let logger: Logger
    /// Whether `medium: Memory` emptyDirs are mounted as tmpfs (needs root); when false they are
    /// plain directories.
    let mountTmpfs: Bool
    let state = Mutex(State())

    struct IssuedToken {
        var token: ServiceAccountToken
        var issuedAt: Int64
    }

    struct State {
        /// Tokens by `UID/VOLUME/PATH`.
        var tokens: [String: IssuedToken] = [:]
        /// Pods set up at least once.
        var pods: Set<String> = []
        /// The volumes of pods whose last set-up succeeded.
        var mounted: [String: PodVolumes] = [:]
        /// Pods whose contents are due for a refresh.
        var resyncDue: Set<String> = []
        var sequence = 0
    }

    /// Creates a manager rooted at `root`.
    public init(root: String, source: any PodObjectSource, clock: KubeletClock = .continuous, mountTmpfs: Bool = true, logger: Logger) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.source = source
        self.clock = clock
        self.mountTmpfs = mountTmpfs
        self.logger = logger
    }

    /// Whether this process may mount file systems (it runs as root).
    public static var canMount: Bool { geteuid() == 0 }

    /// `ROOT/pods/UID`.
    public func podDirectory(_ uid: String) -> String { "\(root)/pods/\(uid)" }

    /// The UIDs of pods whose volumes were set up and not torn down.
    public var podsSetUp: Set<String> { state.withLock { $0.pods } }

    /// Sets up (or refreshes) every volume of `pod`.
    /// - Parameter downward: the downward API values (pod IPs, node IPs, allocatable).
    /// - Returns: the volumes, and for each volume that failed its error.
    public func setUp(_ pod: CoreV1.Pod, downward: DownwardAPI) async -> (volumes: PodVolumes, failures: [(volume: String, error: PodConfigError)]) {
        let uid = pod.metadata.uid ?? ""
        let base = podDirectory(uid)
        var result = PodVolumes(containersDirectory: base + "/containers")
        var failures: [(volume: String, error: PodConfigError)] = []
        state.withLock { _ = $0.pods.insert(uid) }
        for volume in pod.spec?.volumes ?? [] {
            guard let name = volume.name else { continue }
            do {
                result.volumes[name] = try await setUp(volume, name: name, pod: pod, downward: downward, base: base)
            } catch let error as PodConfigError {
                failures.append((name, error))
            } catch {
                failures.append((name, PodConfigError("\(error)")))
            }
        }
        let ready = result
        state.withLock { state in
            state.mounted[uid] = failures.isEmpty ? ready : nil
            state.resyncDue.remove(uid)
        }
        return (result, failures)
    }

    /// The volumes of the pod's last successful set-up.
    public func mounted(_ uid: String) -> PodVolumes? {
        state.withLock { $0.mounted[uid] }
    }

    /// Marks every pod set up as due for a refresh of its contents; returns their UIDs.
    public func markResyncDue() -> Set<String> {
        state.withLock { state in
            state.resyncDue = state.pods
            return state.pods
        }
    }

    /// Whether the pod's contents are due for a refresh.
    public func isResyncDue(_ uid: String) -> Bool {
        state.withLock { $0.resyncDue.contains(uid) }
    }

    private func setUp(
        _ volume: CoreV1.Volume, name: String, pod: CoreV1.Pod, downward: DownwardAPI, base: String
    ) async throws -> PodVolumes.Volume {
        let namespace = pod.metadata.namespace ?? "default"
        let fsGroup = pod.spec?.securityContext?.fsGroup
        func directory(_ plugin: String) -> String { "\(base)/volumes/kubernetes.io~\(plugin)/\(name)" }
        if let emptyDir = volume.emptyDir {
            let path = directory("empty-dir")
            try NodeFiles.makeDirectory(path, mode: 0o777)
            if emptyDir.medium == "Memory" && mountTmpfs {
                try NodeFiles.mountTmpfs(path, sizeBytes: emptyDir.sizeLimit?.value ?? 0)
            }
            if let fsGroup { try NodeFiles.giveGroup(path, gid: fsGroup, readOnly: false, recursive: false) }
            return PodVolumes.Volume(hostPath: path)
        }
        if let hostPath = volume.hostPath {
            let path = hostPath.path ?? ""
            try HostPathCheck.check(path, type: hostPath.type)
            return PodVolumes.Volume(hostPath: path)
        }
        if let claim = volume.persistentVolumeClaim {
            return try await persistentVolume(claim, namespace: namespace)
        }
        let payload: VolumePayload
        let plugin: String
        if let configMap = volume.configMap {
            plugin = "configmap"
            payload = try await configMapPayload(
                configMap.name ?? "", namespace: namespace, items: configMap.items, mode: configMap.defaultMode,
                optional: configMap.optional ?? false)
        } else if let secret = volume.secret {
            plugin = "secret"
            payload = try await secretPayload(
                secret.secretName ?? "", namespace: namespace, items: secret.items, mode: secret.defaultMode,
                optional: secret.optional ?? false)
        } else if let downwardVolume = volume.downwardAPI {
            plugin = "downward-api"
            payload = try VolumePayload.downward(downwardVolume.items ?? [], defaultMode: downwardVolume.defaultMode, values: downward)
        } else if let projected = volume.projected {
            plugin = "projected"
            payload = try await projectedPayload(projected, volume: name, pod: pod, downward: downward)
        } else {
            throw PodConfigError("volume type not supported on this node")
        }
        let path = directory(plugin)
        if mountTmpfs && (plugin == "secret" || plugin == "projected") {
            // Secrets and tokens never touch the disk, as upstream keeps them.
            try NodeFiles.makeDirectory(path, mode: 0o755)
            try NodeFiles.mountTmpfs(path, sizeBytes: 0)
        }
        if let fsGroup {
            try AtomicWriter(directory: path).write(payload.groupReadable(), stamp: stamp())
            try NodeFiles.giveGroup(path, gid: fsGroup, readOnly: true, recursive: true)
        } else {
            try AtomicWriter(directory: path).write(payload, stamp: stamp())
        }
        return PodVolumes.Volume(hostPath: path, readOnly: true)
    }

    private func configMapPayload(
        _ name: String, namespace: String, items: [CoreV1.KeyToPath]?, mode: Int?, optional: Bool
    ) async throws -> VolumePayload {
        guard let object = try await source.configMap(name, namespace: namespace) else {
            if optional { return VolumePayload() }
            throw PodConfigError("configmap \"\(name)\" not found")
        }
        return try VolumePayload.keyed(object.contents, items: items, defaultMode: mode, optional: optional, kind: "configmap")
    }

    private func secretPayload(
        _ name: String, namespace: String, items: [CoreV1.KeyToPath]?, mode: Int?, optional: Bool
    ) async throws -> VolumePayload {
        guard let object = try await source.secret(name, namespace: namespace) else {
            if optional { return VolumePayload() }
            throw PodConfigError("secret \"\(name)\" not found")
        }
        return try VolumePayload.keyed(object.decodedData, items: items, defaultMode: mode, optional: optional, kind: "secret")
    }

    private func projectedPayload(
        _ projected: CoreV1.ProjectedVolumeSource, volume: String, pod: CoreV1.Pod, downward: DownwardAPI
    ) async throws -> VolumePayload {
        let namespace = pod.metadata.namespace ?? "default"
        let mode = projected.defaultMode
        var payload = VolumePayload()
        for source in projected.sources ?? [] {
            if let configMap = source.configMap {
                payload.merge(try await configMapPayload(
                    configMap.name ?? "", namespace: namespace, items: configMap.items, mode: mode, optional: configMap.optional ?? false))
            } else if let secret = source.secret {
                payload.merge(try await secretPayload(
                    secret.name ?? "", namespace: namespace, items: secret.items, mode: mode, optional: secret.optional ?? false))
            } else if let downwardSource = source.downwardAPI {
                payload.merge(try VolumePayload.downward(downwardSource.items ?? [], defaultMode: mode, values: downward))
            } else if let token = source.serviceAccountToken {
                let path = token.path ?? "token"
                let issued = try await serviceAccountToken(token, key: "\(pod.metadata.uid ?? "")/\(volume)/\(path)", pod: pod)
                try payload.add(path, VolumePayload.File(bytes: Array(issued.token.utf8), mode: mode ?? VolumePayload.defaultMode))
            }
        }
        return payload
    }

    /// A cached token, or a new one once 80% of the cached one's life has passed (or after 24 h).
    private func serviceAccountToken(
        _ projection: CoreV1.ServiceAccountTokenProjection, key: String, pod: CoreV1.Pod
    ) async throws -> ServiceAccountToken {
        let now = clock.wallNanoseconds / 1_000_000_000
        if let cached = state.withLock({ $0.tokens[key] }) {
            let life = cached.token.expiresAt - cached.issuedAt
            if now < cached.issuedAt + life * 8 / 10 && now < cached.issuedAt + 86_400 { return cached.token }
        }
        let audiences = projection.audience.map { [$0] } ?? []
        let token = try await source.serviceAccountToken(
            pod.spec?.serviceAccountName ?? "default", namespace: pod.metadata.namespace ?? "default", audiences: audiences,
            expirationSeconds: projection.expirationSeconds ?? 3600, pod: pod)
        state.withLock { $0.tokens[key] = IssuedToken(token: token, issuedAt: now) }
        return token
    }

    private func persistentVolume(_ claim: CoreV1.PersistentVolumeClaimVolumeSource, namespace: String) async throws -> PodVolumes.Volume {
        let claimName = claim.claimName ?? ""
        guard let object = try await source.persistentVolumeClaim(claimName, namespace: namespace) else {
            throw PodConfigError("persistentvolumeclaim \"\(claimName)\" not found")
        }
        guard let volumeName = object.spec?.volumeName, !volumeName.isEmpty else {
            throw PodConfigError("PVC \(namespace)/\(claimName) has not been bound")
        }
        guard let volume = try await source.persistentVolume(volumeName) else {
            throw PodConfigError("persistentvolume \"\(volumeName)\" not found")
        }
        let readOnly = claim.readOnly ?? false
        if let hostPath = volume.spec?.hostPath {
            let path = hostPath.path ?? ""
            if volume.metadata.annotations?[VolumeBindingNames.provisionedBy] == VolumeBindingNames.localPathProvisioner,
               hostPath.type == "DirectoryOrCreate", NodeFiles.kind(path, follow: false) == .missing {
                // K3s's layout for local-path volumes, whoever makes the directory first (this
                // mount or the node's storage service): a private parent, a world-writable volume.
                let directories = LocalVolumeDirectories(root: String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
                try directories.create(path)
            }
            try HostPathCheck.check(path, type: hostPath.type)
            return PodVolumes.Volume(hostPath: path, readOnly: readOnly)
        }
        if let local = volume.spec?.local {
            let path = local.path ?? ""
            guard NodeFiles.kind(path) != .missing else { throw PodConfigError("path \"\(path)\" does not exist") }
            return PodVolumes.Volume(hostPath: path, readOnly: readOnly)
        }
        throw PodConfigError("persistentvolume \"\(volumeName)\" is of a type this node cannot mount (only hostPath and local)")
    }

    /// Writes the pod's managed `/etc/hosts` (its IPs and hostname, or the node's file for a
    /// host-network pod) and returns its path.
    public func writeHostsFile(_ uid: String, contents: String) throws(PodConfigError) -> String {
        let base = podDirectory(uid)
        try NodeFiles.makeDirectory(base, mode: 0o750)
        let path = base + "/etc-hosts"
        if NodeFiles.read(path) != Array(contents.utf8) {
            try NodeFiles.write(Array(contents.utf8), to: path, mode: 0o644)
        }
        return path
    }

    /// Creates the (empty) termination-message file of one container attempt and returns its path.
    public func terminationLogFile(_ uid: String, container: String, attempt: Int) throws(PodConfigError) -> String {
        let directory = "\(podDirectory(uid))/containers/\(container)"
        try NodeFiles.makeDirectory(directory, mode: 0o750)
        let path = "\(directory)/\(attempt)"
        if NodeFiles.kind(path) == .missing { try NodeFiles.write([], to: path, mode: 0o666) }
        return path
    }

    /// Unmounts and removes everything of the pod under the root, and forgets its tokens.
    public func tearDown(_ uid: String) throws(PodConfigError) {
        let base = podDirectory(uid)
        state.withLock { state in
            state.pods.remove(uid)
            state.mounted[uid] = nil
            state.resyncDue.remove(uid)
            state.tokens = state.tokens.filter { !$0.key.hasPrefix(uid + "/") }
        }
        if mountTmpfs { NodeFiles.unmountAll(under: base) }
        try NodeFiles.removeTree(base)
    }

    /// The UIDs with a directory under `ROOT/pods` that are not in `known`.
    public func orphans(known: Set<String>) -> [String] {
        NodeFiles.list(root + "/pods").filter { !known.contains($0) && !$0.hasPrefix(".") }
    }

    /// A unique name part for a new data directory: wall time and a sequence number.
    private func stamp() -> String {
        let sequence = state.withLock { state -> Int in
            state.sequence += 1
            return state.sequence
        }
        return "\(clock.wallNanoseconds)_\(sequence)"
    }
}
