import KubeAPI

/// PodTemplates (`v1`): pod template defaults and checks.
struct PodTemplateStrategy: ObjectStrategy {
    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        object.withObject("template") { PodDefaults.applyToTemplate(&$0) }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        WorkloadChecks.templateErrors(object["template"], path: "template", restartPolicies: nil, into: &errors)
        return errors
    }
}
