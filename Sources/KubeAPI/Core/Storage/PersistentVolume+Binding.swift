/// The well-known names of persistent-volume binding and dynamic provisioning, shared by the
/// scheduler, the volume binder and provisioners, and nodes.
public enum VolumeBindingNames {
    /// Claim annotation: the node the scheduler chose for a claim of a `WaitForFirstConsumer` class.
    public static let selectedNode = "volume.kubernetes.io/selected-node"
    /// Claim annotation: binding finished (`"yes"`).
    public static let bindCompleted = "pv.kubernetes.io/bind-completed"
    /// Claim and volume annotation: the controller, not the user, made the binding (`"yes"`).
    public static let boundByController = "pv.kubernetes.io/bound-by-controller"
    /// Volume annotation: the provisioner that made it.
    public static let provisionedBy = "pv.kubernetes.io/provisioned-by"
    /// Claim annotation: the provisioner expected to provision it.
    public static let storageProvisioner = "volume.kubernetes.io/storage-provisioner"
    /// The deprecated spelling of ``storageProvisioner``, still written for older provisioners.
    public static let betaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
    /// StorageClass annotation marking the cluster's default class (`"true"`).
    public static let defaultClass = "storageclass.kubernetes.io/is-default-class"
    /// Finalizer kept on a claim while a pod uses it.
    public static let claimProtectionFinalizer = "kubernetes.io/pvc-protection"
    /// The node label the volumes of a node-local provisioner are pinned with.
    public static let hostnameLabel = "kubernetes.io/hostname"
    /// `volumeBindingMode` that delays binding until a pod using the claim is scheduled.
    public static let waitForFirstConsumer = "WaitForFirstConsumer"
    /// K3s's local-path provisioner: volumes that are directories on one node.
    public static let localPathProvisioner = "rancher.io/local-path"
    /// The provisioner name of classes whose volumes are only made by hand.
    public static let noProvisioner = "kubernetes.io/no-provisioner"
}

extension CoreV1.PersistentVolumeClaim {
    /// `namespace/name`.
    public var key: String { (metadata.namespace ?? "default") + "/" + (metadata.name ?? "") }

    /// The class the claim asks for (`spec.storageClassName`; empty for none).
    public var className: String { spec?.storageClassName ?? "" }

    /// The volume the claim is bound to or asks for (`spec.volumeName`), `nil` when empty.
    public var boundVolumeName: String? {
        guard let name = spec?.volumeName, !name.isEmpty else { return nil }
        return name
    }

    /// The node the scheduler selected for the claim, if any.
    public var selectedNode: String? {
        guard let node = metadata.annotations?[VolumeBindingNames.selectedNode], !node.isEmpty else { return nil }
        return node
    }

    /// Whether the claim is bound: it names its volume and its phase is `Bound`.
    public var isBound: Bool { boundVolumeName != nil && status?.phase == "Bound" }

    /// The requested storage (`spec.resources.requests.storage`).
    public var requestedStorage: Quantity? { spec?.resources?.requests?["storage"] }
}

extension CoreV1.PersistentVolume {
    /// The one node the volume is pinned to: its required node affinity is a single term with a
    /// single `kubernetes.io/hostname In [NODE]` expression; `nil` for any other shape.
    public var pinnedNodeName: String? {
        guard let terms = spec?.nodeAffinity?.required?.nodeSelectorTerms, terms.count == 1,
              (terms[0].matchFields ?? []).isEmpty, let expressions = terms[0].matchExpressions, expressions.count == 1,
              expressions[0].key == VolumeBindingNames.hostnameLabel, expressions[0].operator == "In",
              let values = expressions[0].values, values.count == 1, !values[0].isEmpty
        else { return nil }
        return values[0]
    }

    /// Whether `claimRef` names `claim` (by UID when the reference carries one).
    public func isClaimed(by claim: CoreV1.PersistentVolumeClaim) -> Bool {
        guard let reference = spec?.claimRef else { return false }
        guard reference.name == claim.metadata.name, (reference.namespace ?? "default") == (claim.metadata.namespace ?? "default")
        else { return false }
        if let uid = reference.uid, !uid.isEmpty { return uid == claim.metadata.uid }
        return true
    }

    /// Whether the volume can serve `claim`, claim and node aside: the same class and volume
    /// mode (`Filesystem` by default), every requested access mode, at least the requested size,
    /// and labels that match the claim's selector (`selector`, compiled from
    /// `claim.spec.selector` by the caller; a claim with a selector that did not compile matches
    /// nothing).
    public func satisfies(_ claim: CoreV1.PersistentVolumeClaim, selector: LabelSelector?) -> Bool {
        guard let spec, (spec.storageClassName ?? "") == claim.className,
              (spec.volumeMode ?? "Filesystem") == (claim.spec?.volumeMode ?? "Filesystem") else { return false }
        let offered = Set(spec.accessModes ?? [])
        guard (claim.spec?.accessModes ?? []).allSatisfy(offered.contains) else { return false }
        if let wanted = claim.requestedStorage {
            guard let size = spec.capacity?["storage"], !(size < wanted) else { return false }
        }
        if claim.spec?.selector != nil {
            guard let selector, selector.matches(metadata.labels ?? [:]) else { return false }
        }
        return true
    }

    /// The directory of a hostPath or local volume.
    public var directoryPath: String? { spec?.hostPath?.path ?? spec?.local?.path }
}

extension StorageV1.StorageClass {
    /// Whether the class delays binding until a pod is scheduled.
    public var waitsForFirstConsumer: Bool { volumeBindingMode == VolumeBindingNames.waitForFirstConsumer }

    /// Whether the class is marked the cluster default.
    public var isDefaultClass: Bool { metadata.annotations?[VolumeBindingNames.defaultClass] == "true" }
}

extension CoreV1.Pod {
    /// The claims the pod's volumes use, in volume order: `persistentVolumeClaim.claimName`, and
    /// for a generic ephemeral volume the claim made for it (`<pod>-<volume>`).
    public var claimNames: [String] {
        var names: [String] = []
        for volume in spec?.volumes ?? [] {
            if let name = volume.persistentVolumeClaim?.claimName, !name.isEmpty {
                names.append(name)
            } else if volume.ephemeral != nil {
                names.append((metadata.name ?? "") + "-" + (volume.name ?? ""))
            }
        }
        return names
    }
}
