import KubeAPI

/// Checks of the key/value maps of ConfigMaps and Secrets.
enum ConfigDataChecks {
    /// The most data one ConfigMap or Secret may hold (1 MiB).
    static let maximumSize = 1024 * 1024

    /// The problems of one key (`a valid config key must consist of ...`).
    static func keyErrors(_ key: String) -> [String] {
        var problems: [String] = []
        if key.utf8.count > 253 { problems.append("must be no more than 253 characters") }
        let allowed = key.utf8.allSatisfy { byte in
            (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95 || byte == 46
        }
        if key.isEmpty || !allowed {
            problems.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
        }
        if key == "." { problems.append("must not be '.'") } else if key == ".." { problems.append("must not be '..'") } else if key.hasPrefix("..") { problems.append("must not start with '..'") }
        return problems
    }

    /// Keys of `data` and `binaryData` (the second may be absent), no key in both, total size.
    static func errors(_ object: JSONValue, dataKey: String, binaryKey: String?) -> [FieldError] {
        var errors: [FieldError] = []
        var size = 0
        var seen = Set<String>()
        for key in [dataKey] + (binaryKey.map { [$0] } ?? []) {
            guard let member = object[key], !member.isNull else { continue }
            guard let entries = member.objectValue else {
                errors.append(FieldError(kind: .typeInvalid, field: key, badValue: member, detail: "must be an object"))
                continue
            }
            for (name, value) in entries {
                for problem in keyErrors(name) {
                    errors.append(.invalid("\(key)[\(name)]", value: .string(name), detail: problem))
                }
                if !seen.insert(name).inserted {
                    errors.append(.invalid("\(key)[\(name)]", value: .string(name), detail: "duplicate of key present in \(key == dataKey ? binaryKey ?? dataKey : dataKey)"))
                }
                guard let text = value.stringValue else {
                    if !value.isNull {
                        errors.append(FieldError(kind: .typeInvalid, field: "\(key)[\(name)]", badValue: value, detail: "must be a string"))
                    }
                    continue
                }
                size += text.utf8.count
            }
        }
        if size > maximumSize { errors.append(.tooLong(dataKey, maximumLength: maximumSize)) }
        return errors
    }

    /// With `immutable: true` on the old object, the data and the flag itself may not change.
    static func immutabilityErrors(_ object: JSONValue, old: JSONValue, keys: [String]) -> [FieldError] {
        guard old["immutable"]?.boolValue == true else { return [] }
        var errors: [FieldError] = []
        if object["immutable"]?.boolValue != true {
            errors.append(.forbidden("immutable", detail: "field is immutable when `immutable` is set"))
        }
        for key in keys where !PodStrategy.sameMembers(object[key] ?? .null, old[key] ?? .null) {
            errors.append(.forbidden(key, detail: "field is immutable when `immutable` is set"))
        }
        return errors
    }
}
