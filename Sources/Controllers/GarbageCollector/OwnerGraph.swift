import KubeAPI

/// One object as the garbage collector sees it: identity, owners and deletion state.
public struct GraphObject: Sendable, Hashable {
    /// `apps/v1`, `v1`, ...
    public var apiVersion: String
    /// The kind.
    public var kind: String
    /// The namespace (`""` for cluster-scoped objects).
    public var namespace: String
    /// The name.
    public var name: String
    /// The UID.
    public var uid: String
    /// The owner references.
    public var owners: [MetaV1.OwnerReference]
    /// `metadata.finalizers`.
    public var finalizers: [String]
    /// Whether `metadata.deletionTimestamp` is set.
    public var beingDeleted: Bool

    /// Creates an entry.
    public init(apiVersion: String, kind: String, namespace: String, name: String, uid: String,
                owners: [MetaV1.OwnerReference] = [], finalizers: [String] = [], beingDeleted: Bool = false) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.owners = owners
        self.finalizers = finalizers
        self.beingDeleted = beingDeleted
    }

    /// The entry of a typed object.
    public init<Object: KubernetesObject>(_ object: Object) {
        let gvk = Object.groupVersionKind
        self.init(
            apiVersion: gvk.apiVersion, kind: gvk.kind, namespace: object.metadata.namespace ?? "",
            name: object.metadata.name ?? "", uid: object.metadata.uid ?? "",
            owners: object.metadata.ownerReferences ?? [], finalizers: object.metadata.finalizers ?? [],
            beingDeleted: object.metadata.deletionTimestamp != nil)
    }

    /// Deleted with `propagationPolicy=Foreground` and waiting for its dependents.
    public var deletingDependents: Bool { beingDeleted && finalizers.contains(OwnerGraph.foregroundFinalizer) }
    /// Deleted with `propagationPolicy=Orphan` and waiting for its dependents to be released.
    public var orphaningDependents: Bool { beingDeleted && finalizers.contains(OwnerGraph.orphanFinalizer) }
}

/// The owner/dependent graph built from `ownerReferences` of every watched object: the
/// garbage collector's view of the cluster. A plain value; the controller keeps it behind a lock.
public struct OwnerGraph: Sendable {
    /// The finalizer of a foreground deletion.
    public static let foregroundFinalizer = "foregroundDeletion"
    /// The finalizer of an orphaning deletion.
    public static let orphanFinalizer = "orphan"

    /// Observed objects by UID.
    public private(set) var objects: [String: GraphObject] = [:]
    /// Dependents' UIDs by owner UID (owners may be unobserved).
    public private(set) var dependents: [String: Set<String>] = [:]

    /// Creates an empty graph.
    public init() {}

    /// What the collector must look at after a change.
    public struct Work: Sendable, Hashable {
        /// Objects whose owners must be checked (delete them if every owner is gone).
        public var attemptToDelete: Set<String> = []
        /// Owners whose dependents must be released (orphan finalizer).
        public var attemptToOrphan: Set<String> = []
    }

    /// Records an added or changed object and says what needs checking.
    public mutating func upsert(_ object: GraphObject) -> Work {
        var work = Work()
        let old = objects[object.uid]
        let oldOwners = Set(old?.owners.compactMap(\.uid) ?? [])
        let newOwners = Set(object.owners.compactMap(\.uid))
        for gone in oldOwners.subtracting(newOwners) {
            dependents[gone]?.remove(object.uid)
            if dependents[gone]?.isEmpty == true { dependents[gone] = nil }
            // An owner waiting for its dependents may be done now.
            if objects[gone]?.deletingDependents == true { work.attemptToDelete.insert(gone) }
        }
        for owner in newOwners { dependents[owner, default: []].insert(object.uid) }
        objects[object.uid] = object
        // A dependent whose owner was never observed (or not yet) is verified live.
        for owner in newOwners.subtracting(oldOwners) where objects[owner] == nil {
            work.attemptToDelete.insert(object.uid)
        }
        if object.deletingDependents {
            work.attemptToDelete.insert(object.uid)
            if old?.deletingDependents != true {
                for dependent in dependents[object.uid] ?? [] { work.attemptToDelete.insert(dependent) }
            }
        }
        if object.orphaningDependents { work.attemptToOrphan.insert(object.uid) }
        // Owners that turned into foreground deletion make their dependents re-check.
        if object.beingDeleted, object.deletingDependents == false, old?.beingDeleted != true {
            for owner in newOwners where objects[owner]?.deletingDependents == true { work.attemptToDelete.insert(owner) }
        }
        return work
    }

    /// Forgets a deleted object and says what needs checking: its dependents (their owner is
    /// gone) and owners waiting for it.
    public mutating func remove(uid: String) -> Work {
        var work = Work()
        guard let object = objects.removeValue(forKey: uid) else { return work }
        for owner in object.owners.compactMap(\.uid) {
            dependents[owner]?.remove(uid)
            if dependents[owner]?.isEmpty == true { dependents[owner] = nil }
            if objects[owner]?.deletingDependents == true { work.attemptToDelete.insert(owner) }
        }
        for dependent in dependents[uid] ?? [] { work.attemptToDelete.insert(dependent) }
        return work
    }

    /// Dependents of `uid` that block its deletion (`blockOwnerDeletion: true`).
    public func blockingDependents(of uid: String) -> [GraphObject] {
        (dependents[uid] ?? []).compactMap { objects[$0] }.filter { dependent in
            dependent.owners.contains { $0.uid == uid && $0.blockOwnerDeletion == true }
        }
    }

    /// Every observed dependent of `uid`.
    public func dependentObjects(of uid: String) -> [GraphObject] {
        (dependents[uid] ?? []).compactMap { objects[$0] }
    }
}
