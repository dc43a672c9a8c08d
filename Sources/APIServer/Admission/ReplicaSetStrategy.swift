import KubeAPI

/// ReplicaSets (`apps/v1`).
struct ReplicaSetStrategy: ObjectStrategy {
    static let specOrder = ["replicas", "minReadySeconds", "selector", "template"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        WorkloadChecks.defaultSpec(&object, order: Self.specOrder) { $0.setDefault("replicas", 1) }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        WorkloadChecks.replicas(spec, into: &errors)
        FieldChecks.minimum(spec["minReadySeconds"], 0, "spec.minReadySeconds", into: &errors)
        WorkloadChecks.selectorAndTemplate(spec, kindName: "deployment", restartPolicies: ["Always"], into: &errors)
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        FieldChecks.immutable(object[path: "spec", "selector"], old[path: "spec", "selector"], "spec.selector", into: &errors)
        return errors
    }
}
