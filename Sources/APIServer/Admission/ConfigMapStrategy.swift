import KubeAPI

/// ConfigMaps (`v1`): key format, size, and `immutable`.
struct ConfigMapStrategy: ObjectStrategy {
    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {}

    func validate(_ object: JSONValue) -> [FieldError] {
        ConfigDataChecks.errors(object, dataKey: "data", binaryKey: "binaryData")
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        validate(object) + ConfigDataChecks.immutabilityErrors(object, old: old, keys: ["data", "binaryData"])
    }
}
