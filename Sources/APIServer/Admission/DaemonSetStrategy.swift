import KubeAPI

/// DaemonSets (`apps/v1`).
struct DaemonSetStrategy: ObjectStrategy {
    static let specOrder = ["selector", "template", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        WorkloadChecks.defaultSpec(&object, order: Self.specOrder) { spec in
            spec.withObject("updateStrategy", create: true) { strategy in
                strategy.setDefault("type", "RollingUpdate")
                if strategy.string("type") == "RollingUpdate" {
                    strategy.withObject("rollingUpdate", create: true) { update in
                        update.setDefault("maxUnavailable", 1)
                        update.setDefault("maxSurge", 0)
                        update.reorder(["maxUnavailable", "maxSurge"])
                    }
                }
                strategy.reorder(["type", "rollingUpdate"])
            }
            spec.setDefault("revisionHistoryLimit", 10)
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        WorkloadChecks.selectorAndTemplate(spec, kindName: "daemonset", restartPolicies: ["Always"], into: &errors)
        if let strategy = spec["updateStrategy"], strategy.objectValue != nil {
            FieldChecks.oneOf(strategy["type"], ["OnDelete", "RollingUpdate"], "spec.updateStrategy.type", into: &errors)
            if let update = strategy["rollingUpdate"], update.objectValue != nil {
                DeploymentStrategy.rollingUpdate(update, path: "spec.updateStrategy.rollingUpdate", into: &errors)
            }
        }
        FieldChecks.minimum(spec["minReadySeconds"], 0, "spec.minReadySeconds", into: &errors)
        FieldChecks.minimum(spec["revisionHistoryLimit"], 0, "spec.revisionHistoryLimit", into: &errors)
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        FieldChecks.immutable(object[path: "spec", "selector"], old[path: "spec", "selector"], "spec.selector", into: &errors)
        return errors
    }
}
