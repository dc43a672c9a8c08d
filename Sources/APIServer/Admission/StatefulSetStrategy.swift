import KubeAPI

/// StatefulSets (`apps/v1`): only replicas, ordinals, the template, the update strategy, the
/// claim retention policy and `minReadySeconds` may change.
struct StatefulSetStrategy: ObjectStrategy {
    static let specOrder = [
        "replicas", "selector", "template", "volumeClaimTemplates", "serviceName",
        "podManagementPolicy", "updateStrategy", "revisionHistoryLimit", "minReadySeconds",
        "persistentVolumeClaimRetentionPolicy", "ordinals",
    ]
    static let mutable = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        WorkloadChecks.defaultSpec(&object, order: Self.specOrder) { spec in
            spec.setDefault("replicas", 1)
            spec.setDefault("podManagementPolicy", "OrderedReady")
            spec.withObject("updateStrategy", create: true) { strategy in
                strategy.setDefault("type", "RollingUpdate")
                if strategy.string("type") == "RollingUpdate" {
                    strategy.withObject("rollingUpdate", create: true) { $0.setDefault("partition", 0) }
                }
                strategy.reorder(["type", "rollingUpdate"])
            }
            spec.setDefault("revisionHistoryLimit", 10)
            spec.withObject("persistentVolumeClaimRetentionPolicy", create: true) { policy in
                policy.setDefault("whenDeleted", "Retain")
                policy.setDefault("whenScaled", "Retain")
                policy.reorder(["whenDeleted", "whenScaled"])
            }
            spec.withEachElement("volumeClaimTemplates") { claim, _ in
                claim.withObject("spec") { $0.setDefault("volumeMode", "Filesystem") }
                claim.withObject("status", create: true) { $0.setDefault("phase", "Pending") }
                claim.setDefault("apiVersion", "v1")
                claim.setDefault("kind", "PersistentVolumeClaim")
                claim.reorder(["kind", "apiVersion", "metadata", "spec", "status"])
            }
        }
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        guard let spec = object["spec"], spec.objectValue != nil else { return [.required("spec")] }
        WorkloadChecks.replicas(spec, into: &errors)
        WorkloadChecks.selectorAndTemplate(spec, kindName: "statefulset", restartPolicies: ["Always"], into: &errors)
        FieldChecks.oneOf(spec["podManagementPolicy"], ["OrderedReady", "Parallel"], "spec.podManagementPolicy", into: &errors)
        if let strategy = spec["updateStrategy"], strategy.objectValue != nil {
            FieldChecks.oneOf(strategy["type"], ["OnDelete", "RollingUpdate"], "spec.updateStrategy.type", into: &errors)
            FieldChecks.minimum(strategy[path: "rollingUpdate", "partition"], 0, "spec.updateStrategy.rollingUpdate.partition", into: &errors)
        }
        if let policy = spec["persistentVolumeClaimRetentionPolicy"], policy.objectValue != nil {
            FieldChecks.oneOf(policy["whenDeleted"], ["Retain", "Delete"], "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", into: &errors)
            FieldChecks.oneOf(policy["whenScaled"], ["Retain", "Delete"], "spec.persistentVolumeClaimRetentionPolicy.whenScaled", into: &errors)
        }
        FieldChecks.minimum(spec["revisionHistoryLimit"], 0, "spec.revisionHistoryLimit", into: &errors)
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        var a = object["spec"] ?? .object([:])
        var b = old["spec"] ?? .object([:])
        for key in Self.mutable {
            a.setMember(key, nil)
            b.setMember(key, nil)
        }
        if !PodStrategy.sameMembers(a, b) {
            errors.append(.forbidden("spec", detail: "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
        }
        return errors
    }
}
