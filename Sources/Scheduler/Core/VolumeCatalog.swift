import KubeAPI

/// The claims, volumes and storage classes the scheduler knows, for volume binding; plus the
/// nodes it has chosen for claims whose `volume.kubernetes.io/selected-node` annotation it has
/// not yet seen come back (assumed, like pods on nodes).
public struct VolumeCatalog: Sendable {
    /// Claims by `namespace/name`.
    public private(set) var claims: [String: CoreV1.PersistentVolumeClaim] = [:]
    /// Volumes by name.
    public private(set) var volumes: [String: CoreV1.PersistentVolume] = [:]
    /// Storage classes by name.
    public private(set) var classes: [String: StorageV1.StorageClass] = [:]
    /// Nodes chosen for claims, by claim key, until the claim shows the annotation.
    public private(set) var assumedNodes: [String: String] = [:]

    /// Creates an empty catalog.
    public init() {}

    /// Creates a catalog holding these objects.
    public init(claims: [CoreV1.PersistentVolumeClaim], volumes: [CoreV1.PersistentVolume] = [], classes: [StorageV1.StorageClass] = []) {
        for claim in claims { upsert(claim) }
        for volume in volumes { upsert(volume) }
        for storageClass in classes { upsert(storageClass) }
    }

    /// Adds or replaces a claim; an annotation the scheduler assumed is dropped once the claim
    /// carries one (or is bound).
    public mutating func upsert(_ claim: CoreV1.PersistentVolumeClaim) {
        claims[claim.key] = claim
        if claim.selectedNode != nil || claim.boundVolumeName != nil { assumedNodes[claim.key] = nil }
    }

    /// Removes a claim.
    public mutating func remove(_ claim: CoreV1.PersistentVolumeClaim) {
        claims[claim.key] = nil
        assumedNodes[claim.key] = nil
    }

    /// Adds or replaces a volume.
    public mutating func upsert(_ volume: CoreV1.PersistentVolume) { volumes[volume.metadata.name ?? ""] = volume }

    /// Removes a volume.
    public mutating func remove(_ volume: CoreV1.PersistentVolume) { volumes[volume.metadata.name ?? ""] = nil }

    /// Adds or replaces a storage class.
    public mutating func upsert(_ storageClass: StorageV1.StorageClass) { classes[storageClass.metadata.name ?? ""] = storageClass }

    /// Removes a storage class.
    public mutating func remove(_ storageClass: StorageV1.StorageClass) { classes[storageClass.metadata.name ?? ""] = nil }

    /// Records that the scheduler chose `node` for a claim (before its annotation is written).
    public mutating func assume(claim key: String, on node: String) { assumedNodes[key] = node }

    /// Forgets an assumed node (the annotation could not be written).
    public mutating func forgetAssumption(claim key: String) { assumedNodes[key] = nil }

    /// The node chosen for a claim: its annotation, else the scheduler's assumption.
    public func selectedNode(of claim: CoreV1.PersistentVolumeClaim) -> String? {
        claim.selectedNode ?? assumedNodes[claim.key]
    }
}
