extension MetaV1.OwnerReference {
    /// A controlling reference to `owner` (`controller` and `blockOwnerDeletion` set), naming it
    /// by its kind's `apiVersion` and `kind`, its name and its uid: what a controller puts on
    /// the objects it creates.
    public static func controller(_ owner: some KubernetesObject) -> MetaV1.OwnerReference {
        let gvk = type(of: owner).groupVersionKind
        return MetaV1.OwnerReference(
            apiVersion: gvk.apiVersion, blockOwnerDeletion: true, controller: true, kind: gvk.kind,
            name: owner.metadata.name, uid: owner.metadata.uid)
    }
}
