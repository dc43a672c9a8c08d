import KubeAPI
import KubeClient

/// What the garbage collector knows about one owner of a dependent.
public enum OwnerState: Sendable, Hashable {
    /// The owner exists and is not waiting for its dependents.
    case present
    /// The owner is gone (or a different object with the same name: another UID).
    case absent
    /// The owner exists, deleted in the foreground: its dependents go first.
    case waitingForDependents
}

/// The garbage collector's decision about one dependent.
public enum OwnerDecision: Sendable, Hashable {
    /// Keep the object: some owner still holds it.
    case keep
    /// Drop the owner references with these UIDs (gone or foreground-deleting owners) but keep
    /// the object, which still has a living owner.
    case removeOwnerReferences([String])
    /// Delete the object with this propagation policy.
    case delete(PropagationPolicy)

    /// Decides about a dependent from the state of each of its owners, as upstream's collector
    /// does: any living owner keeps it (references to gone owners are dropped); with no
    /// living owner it is deleted: in the foreground when an owner waits for it and it has
    /// dependents itself, else by the policy its own finalizers ask for (background otherwise).
    public static func decide(
        owners: [MetaV1.OwnerReference], state: (MetaV1.OwnerReference) -> OwnerState,
        finalizers: [String], hasDependents: Bool
    ) -> OwnerDecision {
        guard !owners.isEmpty else { return .keep }
        var solid: [String] = [], dangling: [String] = [], waiting: [String] = []
        for owner in owners {
            let uid = owner.uid ?? ""
            switch state(owner) {
            case .present: solid.append(uid)
            case .absent: dangling.append(uid)
            case .waitingForDependents: waiting.append(uid)
            }
        }
        if !solid.isEmpty {
            let drop = dangling + waiting
            return drop.isEmpty ? .keep : .removeOwnerReferences(drop)
        }
        if !waiting.isEmpty, hasDependents { return .delete(.foreground) }
        if finalizers.contains(OwnerGraph.orphanFinalizer) { return .delete(.orphan) }
        if finalizers.contains(OwnerGraph.foregroundFinalizer) { return .delete(.foreground) }
        return .delete(.background)
    }
}
