import KubeAPI

/// Deployments (`apps/v1`).
struct DeploymentStrategy: ObjectStrategy {
    static let specOrder = [
        "replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit",
        "paused", "progressDeadlineSeconds",
    ]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        WorkloadChecks.defaultSpec(&object, order: Self.specOrder) { spec in
            spec.setDefault("replicas", 1)
            spec.withObject("strategy", create: true) { strategy in
                strategy.setDefault("type", "RollingUpdate")
                if strategy.string("type") == "RollingUpdate" {
                    strategy.withObject("rollingUpdate", create: true) { update in
                        update.setDefault("maxUnavailable", "25%")
                        update.setDefault("maxSurge", "25%")
                        update.reorder(["maxUnavailable", "maxSurge"])
                    }
                }
                strategy.reorder(["type", "rollingUpdate"])
            }
            spec.setDefault("revisionHistoryLimit", 10)
            spec.setDefault("progressDeadlineSeconds", 600)
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        WorkloadChecks.replicas(spec, into: &errors)
        WorkloadChecks.selectorAndTemplate(spec, kindName: "deployment", restartPolicies: ["Always"], into: &errors)
        FieldChecks.minimum(spec["minReadySeconds"], 0, "spec.minReadySeconds", into: &errors)
        FieldChecks.minimum(spec["revisionHistoryLimit"], 0, "spec.revisionHistoryLimit", into: &errors)
        if let strategy = spec["strategy"], strategy.objectValue != nil {
            FieldChecks.oneOf(strategy["type"], ["Recreate", "RollingUpdate"], "spec.strategy.type", into: &errors)
            let update = strategy["rollingUpdate"]
            if strategy.string("type") == "Recreate", let update, !update.isNull {
                errors.append(.forbidden("spec.strategy.rollingUpdate", detail: "may not be specified when strategy `type` is 'Recreate'"))
            } else if let update, update.objectValue != nil {
                Self.rollingUpdate(update, path: "spec.strategy.rollingUpdate", into: &errors)
            }
        }
        if let deadline = spec["progressDeadlineSeconds"]?.intValue {
            if deadline <= 0 {
                errors.append(.invalid("spec.progressDeadlineSeconds", value: .int(deadline), detail: "must be greater than 0"))
            } else if let ready = spec["minReadySeconds"]?.intValue, deadline <= ready {
                errors.append(.invalid("spec.progressDeadlineSeconds", value: .int(deadline), detail: "must be greater than minReadySeconds"))
            }
        }
        return errors
    }

    /// `maxUnavailable`/`maxSurge`: non-negative numbers or percentages, not both zero,
    /// `maxUnavailable` at most 100%.
    static func rollingUpdate(_ update: JSONValue, path: String, into errors: inout [FieldError]) {
        let unavailable = intOrPercent(update["maxUnavailable"], "\(path).maxUnavailable", into: &errors)
        let surge = intOrPercent(update["maxSurge"], "\(path).maxSurge", into: &errors)
        if unavailable == 0 && surge == 0 {
            errors.append(.invalid("\(path).maxUnavailable", value: update["maxUnavailable"] ?? .int(0), detail: "may not be 0 when `maxSurge` is 0"))
        }
        if let value = update["maxUnavailable"]?.stringValue, let percent = unavailable, value.hasSuffix("%"), percent > 100 {
            errors.append(.invalid("\(path).maxUnavailable", value: .string(value), detail: "must not be greater than 100%"))
        }
    }

    /// The number (or percentage) of an int-or-percent field; reports malformed values.
    static func intOrPercent(_ value: JSONValue?, _ field: String, into errors: inout [FieldError]) -> Int64? {
        guard let value, !value.isNull else { return nil }
        if let number = value.intValue {
            if number < 0 { errors.append(.invalid(field, value: value, detail: "must be greater than or equal to 0")) }
            return number
        }
        if let text = value.stringValue, text.hasSuffix("%"), let number = Int64(text.dropLast()) {
            if number < 0 { errors.append(.invalid(field, value: value, detail: "must be greater than or equal to 0")) }
            return number
        }
        errors.append(.invalid(field, value: value, detail: "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"))
        return nil
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        FieldChecks.immutable(object[path: "spec", "selector"], old[path: "spec", "selector"], "spec.selector", into: &errors)
        return errors
    }
}
