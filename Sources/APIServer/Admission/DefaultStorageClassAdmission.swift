import KubeAPI

/// Gives a new PersistentVolumeClaim that names no class the cluster's default StorageClass
/// (annotated `storageclass.kubernetes.io/is-default-class: "true"`; with several, the newest),
/// as upstream's DefaultStorageClass admission does. A claim with `spec.storageClassName` (an
/// empty string included: it asks for no class) or the legacy
/// `volume.beta.kubernetes.io/storage-class` annotation is left as it is, and so is every update.
struct DefaultStorageClassAdmission: ObjectAllocator {
    static let defaultAnnotation = "storageclass.kubernetes.io/is-default-class"
    static let legacyAnnotation = "volume.beta.kubernetes.io/storage-class"

    let storageClasses: @Sendable () async throws -> [JSONValue]

    func allocate(_ object: inout JSONValue, old: JSONValue?, dryRun: Bool) async throws -> AllocationTransaction {
        guard old == nil, object[path: "spec", "storageClassName"] == nil || object[path: "spec", "storageClassName"] == .null,
            object[path: "metadata", "annotations", Self.legacyAnnotation] == nil,
            let name = DefaultIngressClassAdmission.defaultClass(in: try await storageClasses(), annotation: Self.defaultAnnotation)
        else { return .empty }
        object.withObject("spec") { $0.setMember("storageClassName", .string(name)) }
        return .empty
    }

    func release(_ object: JSONValue) async {}

    func rebuild(from objects: [JSONValue]) async {}
}
