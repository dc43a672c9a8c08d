extension MetaV1.ObjectMeta {
    /// The owner reference marked `controller: true`: the object that manages this one. When
    /// several are marked (which validation forbids) the first counts.
    public var controllerRef: MetaV1.OwnerReference? {
        ownerReferences?.first { $0.controller == true }
    }

    /// ``controllerRef`` if it points to an object of `kind` (`ReplicaSet`, `Job`), else `nil`.
    public func controllerRef(kind: String) -> MetaV1.OwnerReference? {
        guard let ref = controllerRef, ref.kind == kind else { return nil }
        return ref
    }
}
