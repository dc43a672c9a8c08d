import KubeAPI

/// Secrets (`v1`): `stringData` folded into `data`, type `Opaque` by default, key format,
/// size, the keys each built-in type requires, an immutable type and `immutable`.
struct SecretStrategy: ObjectStrategy {
    /// The data keys each built-in type requires.
    static let requiredKeys: [String: [String]] = [
        "kubernetes.io/tls": ["tls.crt", "tls.key"],
        "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
        "kubernetes.io/dockercfg": [".dockercfg"],
        "kubernetes.io/ssh-auth": ["ssh-privatekey"],
    ]

    func applyDefaults(to object: inout JSONValue, old: JSONValue?) {
        if let stringData = object["stringData"]?.objectValue {
            var data = object["data"]?.objectValue ?? [:]
            for (key, value) in stringData {
                guard let text = value.stringValue else { continue }
                data[key] = .string(Base64.encode(Array(text.utf8)))
            }
            object.setMember("stringData", nil)
            if !data.isEmpty { object.setMember("data", .object(data)) }
        }
        object.setDefault("type", "Opaque")
    }

    func validate(_ object: JSONValue) -> [FieldError] {
        var errors = ConfigDataChecks.errors(object, dataKey: "data", binaryKey: nil)
        let type = object.string("type")
        let data = object["data"]?.objectValue ?? [:]
        for key in Self.requiredKeys[type] ?? [] where data[key] == nil {
            errors.append(.required("data[\(key)]"))
        }
        if type == "kubernetes.io/service-account-token" {
            let name = object["metadata"]?["annotations"]?["kubernetes.io/service-account.name"]?.stringValue ?? ""
            if name.isEmpty { errors.append(.required("metadata.annotations[kubernetes.io/service-account.name]")) }
        }
        if type == "kubernetes.io/basic-auth", data["username"] == nil, data["password"] == nil {
            errors.append(.required("data[username]"))
        }
        return errors
    }

    func validateUpdate(_ object: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = validate(object)
        FieldChecks.immutable(object["type"], old["type"], "type", into: &errors)
        return errors + ConfigDataChecks.immutabilityErrors(object, old: old, keys: ["data"])
    }
}
