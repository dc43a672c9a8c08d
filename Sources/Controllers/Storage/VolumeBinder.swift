import KubeAPI

/// The persistent-volume binder's decisions, as upstream's PV controller makes them: which
/// volume an unbound claim gets, and what each side looks like once bound. Pure functions over
/// API objects; ``PersistentVolumeBinderController`` does the I/O.
public enum VolumeBinder {
    /// The volume `claim` should bind to among `volumes`: one already reserved for it (its
    /// `claimRef` names the claim, as a provisioner's volume does) wins; otherwise the smallest
    /// unclaimed volume of the claim's class that offers every requested access mode, the same
    /// volume mode, at least the requested size, matches the claim's selector and, when `node` is
    /// given (a `WaitForFirstConsumer` claim the scheduler placed), whose node affinity admits
    /// that node. `nil` when none fits.
    public static func matchingVolume(
        for claim: CoreV1.PersistentVolumeClaim, among volumes: [CoreV1.PersistentVolume],
        node: (name: String, labels: [String: String])? = nil
    ) -> CoreV1.PersistentVolume? {
        var best: (volume: CoreV1.PersistentVolume, size: Quantity)?
        let selector = try? LabelSelector(claim.spec?.selector)
        for volume in volumes where volume.metadata.deletionTimestamp == nil {
            if volume.isClaimed(by: claim) { return volume }
            guard volume.spec?.claimRef == nil, fits(claim, volume, selector: selector, node: node),
                  let size = volume.spec?.capacity?["storage"] else { continue }
            if let current = best, !(size < current.size) { continue }
            best = (volume, size)
        }
        return best?.volume
    }

    /// Whether an unclaimed `volume` satisfies `claim` and, when given, admits `node`.
    static func fits(
        _ claim: CoreV1.PersistentVolumeClaim, _ volume: CoreV1.PersistentVolume, selector: LabelSelector?,
        node: (name: String, labels: [String: String])?
    ) -> Bool {
        guard volume.satisfies(claim, selector: selector) else { return false }
        if let node, let required = volume.spec?.nodeAffinity?.required {
            return DaemonPlacement.selectorAdmits(required, labels: node.labels, nodeName: node.name)
        }
        return true
    }

    /// `volume` reserved for `claim`: `claimRef` names the claim with its UID and resource
    /// version; a reference the controller added (rather than a user or provisioner) is marked
    /// `pv.kubernetes.io/bound-by-controller: "yes"`.
    public static func volume(_ volume: CoreV1.PersistentVolume, claimedBy claim: CoreV1.PersistentVolumeClaim) -> CoreV1.PersistentVolume {
        var volume = volume
        var spec = volume.spec ?? CoreV1.PersistentVolumeSpec()
        if spec.claimRef == nil {
            volume.metadata.annotations = (volume.metadata.annotations ?? [:]).merging([VolumeBindingNames.boundByController: "yes"]) { $1 }
        }
        spec.claimRef = CoreV1.ObjectReference(
            apiVersion: "v1", kind: "PersistentVolumeClaim", name: claim.metadata.name,
            namespace: claim.metadata.namespace ?? "default", resourceVersion: claim.metadata.resourceVersion, uid: claim.metadata.uid)
        volume.spec = spec
        return volume
    }

    /// `claim` naming `volume`, with `pv.kubernetes.io/bind-completed: "yes"`, when the
    /// controller chose the volume (the claim named none) `pv.kubernetes.io/bound-by-controller: "yes"`,
    /// and for a provisioned volume the provisioner in `volume.kubernetes.io/storage-provisioner`
    /// (and its beta spelling).
    public static func claim(_ claim: CoreV1.PersistentVolumeClaim, boundTo volume: CoreV1.PersistentVolume) -> CoreV1.PersistentVolumeClaim {
        var claim = claim
        var annotations = claim.metadata.annotations ?? [:]
        annotations[VolumeBindingNames.bindCompleted] = "yes"
        if claim.boundVolumeName == nil { annotations[VolumeBindingNames.boundByController] = "yes" }
        if let provisioner = volume.metadata.annotations?[VolumeBindingNames.provisionedBy] {
            annotations[VolumeBindingNames.storageProvisioner] = provisioner
            annotations[VolumeBindingNames.betaStorageProvisioner] = provisioner
        }
        claim.metadata.annotations = annotations
        var spec = claim.spec ?? CoreV1.PersistentVolumeClaimSpec()
        spec.volumeName = volume.metadata.name
        claim.spec = spec
        return claim
    }

    /// The status of a claim bound to `volume`: phase `Bound`, the volume's access modes and capacity.
    public static func boundStatus(of claim: CoreV1.PersistentVolumeClaim, volume: CoreV1.PersistentVolume) -> CoreV1.PersistentVolumeClaimStatus {
        var status = claim.status ?? CoreV1.PersistentVolumeClaimStatus()
        status.phase = "Bound"
        status.accessModes = volume.spec?.accessModes
        status.capacity = volume.spec?.capacity
        return status
    }

    /// Whether a bound claim still needs its annotations, volume name or status written.
    public static func claimNeedsUpdate(_ claim: CoreV1.PersistentVolumeClaim, volume: CoreV1.PersistentVolume) -> Bool {
        claim.metadata.annotations?[VolumeBindingNames.bindCompleted] != "yes" || claim.boundVolumeName != volume.metadata.name
            || claim.status != boundStatus(of: claim, volume: volume)
    }
}
