import KubeAPI

/// PersistentVolumeClaims (`v1`): `volumeMode` Filesystem by default; access modes and a
/// storage request required; only requests, `volumeAttributesClassName` and a first
/// `volumeName` may change.
struct PersistentVolumeClaimStrategy: ObjectStrategy {
    static let accessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        object.withObject("spec") { spec in
            spec.setDefault("volumeMode", "Filesystem")
            spec.reorder([
                "accessModes", "selector", "resources", "volumeName", "storageClassName", "volumeMode",
                "dataSource", "dataSourceRef", "volumeAttributesClassName",
            ])
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        let modes = spec.elements("accessModes")
        if modes.isEmpty {
            errors.append(.required("spec.accessModes", detail: "at least 1 access mode is required"))
        }
        for mode in modes where !Self.accessModes.contains(mode.stringValue ?? "") {
            errors.append(.notSupported("spec.accessModes", value: mode, supported: Self.accessModes))
        }
        if let storage = spec[path: "resources", "requests", "storage"] {
            if let quantity = FieldChecks.quantity(storage, "spec.resources[storage]", into: &errors), !(Quantity.zero < quantity) {
                errors.append(.invalid("spec.resources[storage]", value: storage, detail: "must be greater than zero"))
            }
        } else {
            errors.append(.required("spec.resources[storage]"))
        }
        FieldChecks.oneOf(spec["volumeMode"], ["Block", "Filesystem"], "spec.volumeMode", required: false, into: &errors)
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        var a = object["spec"] ?? .object([:])
        var b = old["spec"] ?? .object([:])
        for spec in [0, 1] {
            var value = spec == 0 ? a : b
            value.withObject("resources") { $0.setMember("requests", nil) }
            value.setMember("volumeAttributesClassName", nil)
            if spec == 0 { a = value } else { b = value }
        }
        if b.string("volumeName").isEmpty { a.setMember("volumeName", nil); b.setMember("volumeName", nil) }
        if !PodStrategy.sameMembers(a, b) {
            errors.append(.forbidden("spec", detail: "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"))
        }
        return errors
    }
}
