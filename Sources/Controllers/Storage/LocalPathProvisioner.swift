import KubeAPI

/// K3s's local-path storage (its `local-path-provisioner`): a claim of a class whose provisioner
/// is `rancher.io/local-path` gets, once the scheduler has chosen a node for it, a volume that is
/// a directory on that node under the storage directory (`DATA_DIR/storage`), named
/// `pvc-<claim uid>_<namespace>_<claim>`. Pure functions; the controller does the I/O.
public enum LocalPathProvisioner {
    /// The provisioner name in the StorageClass.
    public static let provisionerName = VolumeBindingNames.localPathProvisioner
    /// The packaged StorageClass's name.
    public static let className = "local-path"

    /// Why a claim cannot be provisioned.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, for the claim's `ProvisioningFailed` event.
        public var description: String
    }

    /// The volume name of a claim: `pvc-<claim uid>` (the name every external provisioner uses).
    public static func volumeName(for claim: CoreV1.PersistentVolumeClaim) -> String {
        "pvc-" + (claim.metadata.uid ?? "")
    }

    /// The directory name of a claim's volume: `<volume name>_<namespace>_<claim name>`.
    public static func directoryName(for claim: CoreV1.PersistentVolumeClaim) -> String {
        volumeName(for: claim) + "_" + (claim.metadata.namespace ?? "default") + "_" + (claim.metadata.name ?? "")
    }

    /// The volume for `claim` on `node`: a `DirectoryOrCreate` hostPath volume at
    /// `storageRoot/<directory name>`, pinned to the node (`kubernetes.io/hostname In [node]`),
    /// with the claim's requested size and access modes, the class's reclaim policy (`Delete`
    /// when unset), a `claimRef` to the claim and the `pv.kubernetes.io/provisioned-by` annotation.
    ///
    /// - Throws: ``Failure`` when the claim has no UID, asks for a block volume or names no size.
    public static func volume(
        for claim: CoreV1.PersistentVolumeClaim, storageClass: StorageV1.StorageClass, node: String, storageRoot: String
    ) throws(Failure) -> CoreV1.PersistentVolume {
        guard let uid = claim.metadata.uid, !uid.isEmpty else { throw Failure(description: "the claim has no UID yet") }
        if claim.spec?.volumeMode == "Block" {
            throw Failure(description: "\(provisionerName) only provides Filesystem volumes, not Block")
        }
        guard let size = claim.requestedStorage else { throw Failure(description: "the claim requests no storage size") }
        let root = storageRoot.hasSuffix("/") ? String(storageRoot.dropLast()) : storageRoot
        let pinned = CoreV1.VolumeNodeAffinity(required: CoreV1.NodeSelector(nodeSelectorTerms: [
            CoreV1.NodeSelectorTerm(matchExpressions: [
                CoreV1.NodeSelectorRequirement(key: VolumeBindingNames.hostnameLabel, operator: "In", values: [node]),
            ]),
        ]))
        return CoreV1.PersistentVolume(
            metadata: MetaV1.ObjectMeta(
                annotations: [VolumeBindingNames.provisionedBy: provisionerName], name: volumeName(for: claim)),
            spec: CoreV1.PersistentVolumeSpec(
                accessModes: claim.spec?.accessModes,
                capacity: ["storage": size],
                claimRef: CoreV1.ObjectReference(
                    apiVersion: "v1", kind: "PersistentVolumeClaim", name: claim.metadata.name,
                    namespace: claim.metadata.namespace ?? "default", resourceVersion: claim.metadata.resourceVersion, uid: uid),
                hostPath: CoreV1.HostPathVolumeSource(path: root + "/" + directoryName(for: claim), type: "DirectoryOrCreate"),
                nodeAffinity: pinned,
                persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
                storageClassName: storageClass.metadata.name,
                volumeMode: "Filesystem"))
    }

    /// Whether a volume was made by this provisioner.
    public static func provisioned(_ volume: CoreV1.PersistentVolume) -> Bool {
        volume.metadata.annotations?[VolumeBindingNames.provisionedBy] == provisionerName
    }
}
