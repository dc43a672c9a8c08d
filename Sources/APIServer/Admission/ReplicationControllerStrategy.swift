import KubeAPI

/// ReplicationControllers (`v1`): the selector is a plain label map that defaults to the
/// template's labels, as do the controller's own labels.
struct ReplicationControllerStrategy: ObjectStrategy {
    static let specOrder = ["replicas", "minReadySeconds", "selector", "template"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        let templateLabels = object[path: "spec", "template", "metadata", "labels"]
        if let templateLabels, let members = templateLabels.objectValue, !members.isEmpty {
            if (object["metadata"]?["labels"]?.objectValue ?? [:]).isEmpty {
                object.updateMetadata { $0["labels"] = templateLabels }
            }
            object.withObject("spec") { spec in
                if (spec["selector"]?.objectValue ?? [:]).isEmpty { spec.setMember("selector", templateLabels) }
            }
        }
        WorkloadChecks.defaultSpec(&object, order: Self.specOrder) { $0.setDefault("replicas", 1) }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        WorkloadChecks.replicas(spec, into: &errors)
        let selector = spec["selector"]?.objectValue ?? [:]
        if selector.isEmpty {
            errors.append(.required("spec.selector"))
        } else if let template = spec["template"] {
            let labels = template.labels
            if selector.contains(where: { labels[$0.key] != $0.value.stringValue }) {
                errors.append(.invalid("spec.template.metadata.labels", value: template["metadata"]?["labels"] ?? .object([:]), detail: "`selector` does not match template `labels`"))
            }
        }
        WorkloadChecks.templateErrors(spec["template"], path: "spec.template", restartPolicies: ["Always"], into: &errors)
        return errors
    }
}
