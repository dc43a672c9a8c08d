import KubeAPI
import OrderedCollections

/// Jobs (`batch/v1`): defaults, the selector generated from the job's uid (unless
/// `manualSelector`), and the immutable selector, template and completions.
struct JobStrategy: ObjectStrategy {
    static let specOrder = [
        "parallelism", "completions", "activeDeadlineSeconds", "podFailurePolicy", "successPolicy",
        "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "selector", "manualSelector",
        "template", "ttlSecondsAfterFinished", "completionMode", "suspend", "podReplacementPolicy",
        "managedBy",
    ]
    static let restartPolicies = ["OnFailure", "Never"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        if old == nil, object[path: "spec", "manualSelector"]?.boolValue != true {
            Self.generateSelector(&object)
        }
        if let templateLabels = object[path: "spec", "template", "metadata", "labels"], let members = templateLabels.objectValue,
           !members.isEmpty, (object["metadata"]?["labels"]?.objectValue ?? [:]).isEmpty {
            object.updateMetadata { $0["labels"] = templateLabels }
        }
        WorkloadChecks.defaultSpec(&object, order: Self.specOrder) { spec in
            Self.applyJobSpecDefaults(&spec)
        }
    }

    /// The defaults of a `JobSpec`.
    static func applyJobSpecDefaults(_ spec: inout JSONValue) {
        if JSONValue.isUnset(spec["completions"]) && JSONValue.isUnset(spec["parallelism"]) {
            spec.setMember("completions", 1)
            spec.setMember("parallelism", 1)
        }
        spec.setDefault("parallelism", 1)
        spec.setDefault("backoffLimit", JSONValue.isUnset(spec["backoffLimitPerIndex"]) ? 6 : .int(Int64(Int32.max)))
        spec.setDefault("completionMode", "NonIndexed")
        spec.setDefault("suspend", false)
        spec.setDefault("podReplacementPolicy", JSONValue.isUnset(spec["podFailurePolicy"]) ? "TerminatingOrFailed" : "Failed")
    }

    /// Labels the template with the job's name and uid and selects the uid label.
    static func generateSelector(_ object: inout JSONValue) {
        let uid = object.metadataString("uid")
        let name = object.metadataString("name")
        object.withObject("spec") { spec in
            spec.withObject("template", create: true) { template in
                template.withObject("metadata", create: true) { meta in
                    var labels = meta["labels"]?.objectValue ?? [:]
                    for key in ["job-name", "batch.kubernetes.io/job-name"] where labels[key] == nil { labels[key] = .string(name) }
                    for key in ["controller-uid", "batch.kubernetes.io/controller-uid"] where labels[key] == nil { labels[key] = .string(uid) }
                    labels.sort { $0.key < $1.key }
                    meta.setMember("labels", .object(labels))
                    meta = .object(JSONValue.orderedMetadata(meta.objectValue ?? [:]))
                }
            }
            spec.withObject("selector", create: true) { selector in
                var matchLabels = selector["matchLabels"]?.objectValue ?? [:]
                if matchLabels["batch.kubernetes.io/controller-uid"] == nil {
                    matchLabels["batch.kubernetes.io/controller-uid"] = .string(uid)
                }
                matchLabels.sort { $0.key < $1.key }
                selector.setMember("matchLabels", .object(matchLabels))
            }
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        return Self.specErrors(spec)
    }

    static func specErrors(_ spec: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        for field in ["parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"] {
            FieldChecks.minimum(spec[field], 0, "spec.\(field)", into: &errors)
        }
        WorkloadChecks.selectorAndTemplate(spec, kindName: "job", restartPolicies: restartPolicies, into: &errors)
        FieldChecks.oneOf(spec["completionMode"], ["NonIndexed", "Indexed"], "spec.completionMode", required: false, into: &errors)
        if spec.string("completionMode") == "Indexed" && JSONValue.isUnset(spec["completions"]) {
            errors.append(.required("spec.completions", detail: "when completion mode is Indexed"))
        }
        FieldChecks.oneOf(spec["podReplacementPolicy"], ["Failed", "TerminatingOrFailed"], "spec.podReplacementPolicy", required: false, into: &errors)
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        let spec = object["spec"]
        let oldSpec = old["spec"]
        FieldChecks.immutable(spec?["selector"], oldSpec?["selector"], "spec.selector", into: &errors)
        FieldChecks.immutable(spec?["completionMode"], oldSpec?["completionMode"], "spec.completionMode", into: &errors)
        FieldChecks.immutable(spec?["podFailurePolicy"], oldSpec?["podFailurePolicy"], "spec.podFailurePolicy", into: &errors)
        let indexedScale = spec?.string("completionMode") == "Indexed"
            && spec?["completions"] == spec?["parallelism"] && oldSpec?["completions"] == oldSpec?["parallelism"]
        if !indexedScale {
            FieldChecks.immutable(spec?["completions"], oldSpec?["completions"], "spec.completions", into: &errors)
        }
        if oldSpec?["suspend"]?.boolValue != true {
            FieldChecks.immutable(spec?["template"], oldSpec?["template"], "spec.template", into: &errors)
        }
        return errors
    }
}
