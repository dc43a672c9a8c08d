import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Binds claims to volumes and follows volumes through their life (`persistent-volume-binder`,
/// upstream's PV controller), with K3s's local-path provisioner built in.
///
/// - A claim that names a volume, or for which a volume is reserved (`claimRef`) or matches
///   (``VolumeBinder/matchingVolume(for:among:node:)``), is bound: the volume's `claimRef` and
///   phase `Bound`, the claim's `spec.volumeName`, bind annotations and status (phase `Bound`,
///   access modes, capacity).
/// - A claim of a `WaitForFirstConsumer` class waits (a `WaitForFirstConsumer` event) until the
///   scheduler annotates the node it chose (`volume.kubernetes.io/selected-node`).
/// - A claim of a `rancher.io/local-path` class with a chosen node gets a volume from
///   ``LocalPathProvisioner`` when ``ControllerOptions/localStoragePath`` is set.
/// - A volume whose claim is gone becomes `Released`. With reclaim policy `Delete`, a local-path
///   volume is then removed by its node (which deletes the directory, then the volume); other
///   volumes cannot be deleted here and become `Failed`. `Retain` keeps them.
public struct PersistentVolumeBinderController: Controller, IdentifiedController {
    /// `persistent-volume-binder`.
    public let name = "persistent-volume-binder"
    let identity: ControllerIdentity
    private let announced = Announcements()

    /// What the queue holds: a claim (`namespace/name`) or a volume (its name).
    enum Key: Hashable, Sendable {
        case claim(String)
        case volume(String)
    }

    /// Creates the controller.
    public init(context: ControllerContext) {
        identity = ControllerIdentity("persistent-volume-binder", context: context)
    }

    /// Runs until cancelled.
    public func run() async throws {
        let claims = context.informers.informer(CoreV1.PersistentVolumeClaim.self)
        let volumes = context.informers.informer(CoreV1.PersistentVolume.self)
        let classes = context.informers.informer(StorageV1.StorageClass.self)
        let nodes = context.informers.informer(CoreV1.Node.self)
        let queue = WorkQueue<Key>(name: name)
        claims.addHandler(.any { claim in
            queue.add(.claim(claim.key))
            // A deleted claim changes nothing on its volume: look at the volume too.
            if let volume = claim.boundVolumeName { queue.add(.volume(volume)) }
        })
        volumes.addHandler(.any { volume in
            queue.add(.volume(volume.metadata.name ?? ""))
            if let reference = volume.spec?.claimRef, let claim = reference.name {
                queue.add(.claim((reference.namespace ?? "default") + "/" + claim))
            }
        })
        classes.addHandler(InformerHandler(
            onAdd: { storageClass in
                for claim in claims.lister.list() where claim.boundVolumeName == nil && claim.className == storageClass.metadata.name {
                    queue.add(.claim(claim.key))
                }
            }))
        let recorder = identity.recorder()
        let parts = Parts(claims: claims.lister, volumes: volumes.lister, classes: classes.lister, nodes: nodes.lister, recorder: recorder)
        await ControllerLoop.run(
            recorders: [recorder], waitingFor: [claims, volumes, classes, nodes],
            .queue(queue, workers: context.options.workers) { key in
                switch key {
                case .claim(let key): try await syncClaim(key, parts)
                case .volume(let name): try await syncVolume(name, parts, queue: queue)
                }
            })
    }

    /// The caches and the recorder a sync reads and reports through.
    struct Parts: Sendable {
        let claims: Lister<CoreV1.PersistentVolumeClaim>
        let volumes: Lister<CoreV1.PersistentVolume>
        let classes: Lister<StorageV1.StorageClass>
        let nodes: Lister<CoreV1.Node>
        let recorder: EventRecorder
    }

    // MARK: - Claims

    func syncClaim(_ key: String, _ parts: Parts) async throws {
        let (namespace, name) = splitObjectKey(key)
        guard let claim = parts.claims.get(name, namespace: namespace), claim.metadata.deletionTimestamp == nil else { return }
        if let volumeName = claim.boundVolumeName {
            try await syncNamedVolume(claim, volumeName: volumeName, parts)
            return
        }
        let storageClass = claim.className.isEmpty ? nil : parts.classes.get(claim.className)
        var node: (name: String, labels: [String: String])?
        if storageClass?.waitsForFirstConsumer == true {
            guard let selected = claim.selectedNode else {
                announce(claim, parts, type: .normal, reason: "WaitForFirstConsumer",
                         "waiting for first consumer to be created before binding")
                return
            }
            node = (selected, parts.nodes.get(selected)?.metadata.labels ?? [:])
        }
        if let volume = VolumeBinder.matchingVolume(for: claim, among: parts.volumes.list(), node: node) {
            try await bind(claim, to: volume)
            return
        }
        guard let storageClass else {
            let reason = claim.className.isEmpty
                ? "no persistent volumes available for this claim and no storage class is set"
                : "storageclass.storage.k8s.io \"\(claim.className)\" not found"
            announce(claim, parts, type: .warning, reason: claim.className.isEmpty ? "FailedBinding" : "ProvisioningFailed", reason)
            return
        }
        let provisioner = storageClass.provisioner ?? ""
        guard provisioner == LocalPathProvisioner.provisionerName, let root = context.options.localStoragePath else {
            if provisioner != VolumeBindingNames.noProvisioner {
                announce(claim, parts, type: .normal, reason: "ExternalProvisioning",
                         "Waiting for a volume to be created either by the external provisioner '\(provisioner)' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
            }
            return
        }
        try await provision(claim, storageClass: storageClass, root: root, parts)
    }

    /// A claim that names its volume: reserve the volume for it if nobody has, then finish.
    private func syncNamedVolume(_ claim: CoreV1.PersistentVolumeClaim, volumeName: String, _ parts: Parts) async throws {
        guard let volume = parts.volumes.get(volumeName) else {
            if claim.metadata.annotations?[VolumeBindingNames.bindCompleted] == "yes", claim.status?.phase != "Lost" {
                var lost = claim
                lost.status = (claim.status ?? .init())
                lost.status?.phase = "Lost"
                _ = try await client.resource(CoreV1.PersistentVolumeClaim.self).updateStatus(lost)
                parts.recorder.record(claim, type: .warning, reason: "ClaimLost",
                                      message: "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            }
            return
        }
        if volume.spec?.claimRef != nil && !volume.isClaimed(by: claim) {
            announce(claim, parts, type: .warning, reason: "FailedBinding", "volume \"\(volumeName)\" already bound to a different claim.")
            return
        }
        try await bind(claim, to: volume)
    }

    /// Binds both sides: the volume's `claimRef` (with the claim's UID) and phase, then the
    /// claim's volume name, annotations and status. Each write is skipped when already done.
    func bind(_ claim: CoreV1.PersistentVolumeClaim, to volume: CoreV1.PersistentVolume) async throws {
        let volumes = client.resource(CoreV1.PersistentVolume.self)
        let claims = client.resource(CoreV1.PersistentVolumeClaim.self)
        var volume = volume
        if volume.spec?.claimRef?.uid != claim.metadata.uid {
            volume = try await volumes.update(VolumeBinder.volume(volume, claimedBy: claim))
        }
        if volume.status?.phase != "Bound" {
            volume.status = CoreV1.PersistentVolumeStatus(lastPhaseTransitionTime: Time(context.now()), phase: "Bound")
            volume = try await volumes.updateStatus(volume)
        }
        var bound = claim
        if VolumeBinder.claimNeedsUpdate(claim, volume: volume) {
            let wanted = VolumeBinder.claim(claim, boundTo: volume)
            if wanted.metadata.annotations != claim.metadata.annotations || wanted.spec != claim.spec {
                bound = try await claims.update(wanted)
            }
            let status = VolumeBinder.boundStatus(of: bound, volume: volume)
            if bound.status != status {
                bound.status = status
                bound = try await claims.updateStatus(bound)
            }
            logger.info("bound claim", metadata: ["claim": "\(claim.key)", "volume": "\(volume.metadata.name ?? "")"])
        }
    }

    /// Creates the local-path volume of a claim whose node was chosen; the volume's arrival
    /// brings the claim back to be bound.
    private func provision(
        _ claim: CoreV1.PersistentVolumeClaim, storageClass: StorageV1.StorageClass, root: String, _ parts: Parts
    ) async throws {
        guard let node = claim.selectedNode else {
            announce(claim, parts, type: .warning, reason: "ProvisioningFailed",
                     "configuration error, no node was specified (the class's volumeBindingMode must be WaitForFirstConsumer)")
            return
        }
        let volume: CoreV1.PersistentVolume
        do {
            volume = try LocalPathProvisioner.volume(for: claim, storageClass: storageClass, node: node, storageRoot: root)
        } catch {
            announce(claim, parts, type: .warning, reason: "ProvisioningFailed", "failed to provision volume with StorageClass \"\(storageClass.metadata.name ?? "")\": \(error)")
            return
        }
        do {
            _ = try await client.resource(CoreV1.PersistentVolume.self).create(volume)
            logger.info("provisioned a local-path volume", metadata: [
                "claim": "\(claim.key)", "volume": "\(volume.metadata.name ?? "")", "node": "\(node)", "path": "\(volume.directoryPath ?? "")",
            ])
            parts.recorder.record(claim, type: .normal, reason: "ProvisioningSucceeded",
                                  message: "Successfully provisioned volume \(volume.metadata.name ?? "")")
        } catch let error as StatusError where error.code == 409 {}
    }

    /// Records an event about a claim once per claim and reason.
    private func announce(_ claim: CoreV1.PersistentVolumeClaim, _ parts: Parts, type: EventRecorder.EventType, reason: String, _ message: String) {
        let first = announced.set.withLock { $0.insert((claim.metadata.uid ?? claim.key) + "/" + reason).inserted }
        if first { parts.recorder.record(claim, type: type, reason: reason, message: message) }
    }

    /// The claim events already recorded (claim UID and reason).
    final class Announcements: Sendable {
        let set = Mutex<Set<String>>([])
    }

    // MARK: - Volumes

    func syncVolume(_ name: String, _ parts: Parts, queue: WorkQueue<Key>) async throws {
        guard let volume = parts.volumes.get(name), volume.metadata.deletionTimestamp == nil else { return }
        let volumes = client.resource(CoreV1.PersistentVolume.self)
        guard let reference = volume.spec?.claimRef, let claimName = reference.name else {
            try await setPhase(volume, "Available")
            return
        }
        let namespace = reference.namespace ?? "default"
        var claim = parts.claims.get(claimName, namespace: namespace)
        if claim.map({ !volume.isClaimed(by: $0) }) ?? true {
            // The cache may lag: ask the API server before releasing anything.
            do {
                claim = try await client.resource(CoreV1.PersistentVolumeClaim.self).get(claimName, namespace: namespace)
            } catch let error as StatusError where error.code == 404 {
                claim = nil
            }
        }
        if let claim, volume.isClaimed(by: claim) {
            if claim.boundVolumeName == nil || claim.boundVolumeName == name { queue.add(.claim(claim.key)) }
            return
        }
        if (reference.uid ?? "").isEmpty {
            // Reserved by name for a claim that does not exist yet.
            try await setPhase(volume, "Available")
            return
        }
        // The claim it was bound to is gone: release it, then reclaim.
        guard volume.status?.phase != "Released" && volume.status?.phase != "Failed" else { return }
        let policy = volume.spec?.persistentVolumeReclaimPolicy ?? "Retain"
        if policy == "Retain" || (policy == "Delete" && LocalPathProvisioner.provisioned(volume)) {
            try await setPhase(volume, "Released")
            logger.info("released volume", metadata: ["volume": "\(name)", "reclaimPolicy": "\(policy)"])
            return
        }
        var failed = volume
        failed.status = CoreV1.PersistentVolumeStatus(
            lastPhaseTransitionTime: Time(context.now()),
            message: policy == "Delete"
                ? "error getting deleter volume plugin for volume \"\(name)\": no deletable volume plugin matched"
                : "no volume plugin matched name: reclaim policy \(policy) is not supported",
            phase: "Failed")
        _ = try await volumes.updateStatus(failed)
        parts.recorder.record(volume, type: .warning, reason: policy == "Delete" ? "VolumeFailedDelete" : "VolumeFailedRecycle",
                              message: failed.status?.message ?? "")
    }

    private func setPhase(_ volume: CoreV1.PersistentVolume, _ phase: String) async throws {
        guard volume.status?.phase != phase else { return }
        var updated = volume
        updated.status = CoreV1.PersistentVolumeStatus(lastPhaseTransitionTime: Time(context.now()), phase: phase)
        _ = try await client.resource(CoreV1.PersistentVolume.self).updateStatus(updated)
    }
}
