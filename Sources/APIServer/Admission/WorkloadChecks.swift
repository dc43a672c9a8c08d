import KubeAPI

/// Checks shared by the kinds that own a pod template (Deployment, ReplicaSet, StatefulSet,
/// DaemonSet, Job, ReplicationController).
enum WorkloadChecks {
    /// A `LabelSelector` at `spec.selector` that is present, not empty, well-formed and selects
    /// the template's labels; then the template itself (`spec.template`).
    static func selectorAndTemplate(_ spec: JSONValue, kindName: String, restartPolicies: [String]?, into errors: inout [FieldError]) {
        let selector = spec["selector"]
        let template = spec["template"]
        if selector == nil || selector!.isNull {
            errors.append(.required("spec.selector"))
        } else if let selector {
            FieldChecks.labelSelector(selector, "spec.selector", into: &errors)
            if selector.objectValue != nil && FieldChecks.isEmptySelector(selector) {
                errors.append(.invalid("spec.selector", value: selector, detail: "empty selector is invalid for \(kindName)"))
            } else if selector.objectValue != nil, let template, !FieldChecks.selector(selector, matches: template.labels) {
                errors.append(.invalid("spec.template.metadata.labels", value: template["metadata"]?["labels"] ?? .object([:]), detail: "`selector` does not match template `labels`"))
            }
        }
        templateErrors(template, path: "spec.template", restartPolicies: restartPolicies, into: &errors)
    }

    /// Checks of a pod template at `path`: its labels and its pod spec, with the restart
    /// policies the owner allows.
    static func templateErrors(_ template: JSONValue?, path: String, restartPolicies: [String]?, into errors: inout [FieldError]) {
        guard let template, template.objectValue != nil else {
            errors.append(.required(path))
            return
        }
        for (key, value) in template["metadata"]?["labels"]?.objectValue ?? [:] {
            for problem in LabelValidation.qualifiedNameErrors(key) {
                errors.append(.invalid("\(path).metadata.labels", value: .string(key), detail: problem))
            }
            for problem in LabelValidation.labelValueErrors(value.stringValue ?? "") {
                errors.append(.invalid("\(path).metadata.labels", value: value, detail: problem))
            }
        }
        errors += PodSpecValidation.errors(template["spec"], path: "\(path).spec")
        if let restartPolicies, let policy = template[path: "spec", "restartPolicy"], !policy.isNull,
           !restartPolicies.contains(policy.stringValue ?? "") {
            errors.append(.notSupported("\(path).spec.restartPolicy", value: policy, supported: restartPolicies))
        }
    }

    /// `spec.replicas` at least 0.
    static func replicas(_ spec: JSONValue, into errors: inout [FieldError]) {
        FieldChecks.minimum(spec["replicas"], 0, "spec.replicas", into: &errors)
    }

    /// The members of `spec` (and `spec.template`) defaulted: the pod template, then `body`.
    static func defaultSpec(_ object: inout JSONValue, order: [String], _ body: (inout JSONValue) -> Void) {
        object.withObject("spec") { spec in
            body(&spec)
            spec.withObject("template") { PodDefaults.applyToTemplate(&$0) }
            spec.reorder(order)
        }
    }
}
