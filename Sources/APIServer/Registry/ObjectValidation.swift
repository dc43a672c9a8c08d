import KubeAPI

/// Checks on object metadata that every kind shares.
enum ObjectValidation {
    /// Problems with a DNS-1123 label (`default`, `web-1`): at most 63 lower-case
    /// alphanumerics or `-`, starting and ending with an alphanumeric.
    static func dnsLabelErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 { errors.append("must be no more than 63 characters") }
        let bytes = Array(value.utf8)
        let alnum = { (b: UInt8) in (b >= 97 && b <= 122) || (b >= 48 && b <= 57) }
        if bytes.isEmpty || !alnum(bytes.first!) || !alnum(bytes.last!) || !bytes.allSatisfy({ alnum($0) || $0 == 45 }) {
            errors.append("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
        }
        return errors
    }

    /// Kinds whose names must be DNS labels rather than subdomains.
    static let labelNamedResources: Set<String> = ["namespaces", "services"]

    /// Groups whose kinds only need names that are valid path segments (RBAC allows `system:...`).
    static let pathSegmentNamedGroups: Set<String> = ["rbac.authorization.k8s.io"]

    /// Field errors for the metadata of a new or updated object.
    static func metadataErrors(_ object: JSONValue, descriptor: ResourceDescriptor) -> [FieldError] {
        var errors: [FieldError] = []
        let name = object.metadataString("name")
        if name.isEmpty {
            errors.append(.required("metadata.name", detail: "name or generateName is required"))
        } else if name == "." || name == ".." {
            errors.append(.invalid("metadata.name", value: .string(name), detail: "may not be '\(name)'"))
        } else if name.contains("/") || name.contains("%") {
            errors.append(.invalid("metadata.name", value: .string(name), detail: "may not contain '/' or '%'"))
        } else if pathSegmentNamedGroups.contains(descriptor.group) {
            // A valid path segment is all these kinds need (checked above).
        } else {
            let problems = labelNamedResources.contains(descriptor.resource) && descriptor.group.isEmpty
                ? dnsLabelErrors(name) : LabelValidation.dnsSubdomainErrors(name)
            for problem in problems { errors.append(.invalid("metadata.name", value: .string(name), detail: problem)) }
        }
        if let labels = object["metadata"]?["labels"] {
            if let members = labels.objectValue {
                for (key, value) in members {
                    for problem in LabelValidation.qualifiedNameErrors(key) {
                        errors.append(.invalid("metadata.labels", value: .string(key), detail: problem))
                    }
                    guard let text = value.stringValue else {
                        errors.append(FieldError(kind: .typeInvalid, field: "metadata.labels", badValue: value, detail: "must be a string"))
                        continue
                    }
                    for problem in LabelValidation.labelValueErrors(text) {
                        errors.append(.invalid("metadata.labels", value: .string(text), detail: problem))
                    }
                }
            } else if !labels.isNull {
                errors.append(FieldError(kind: .typeInvalid, field: "metadata.labels", badValue: labels, detail: "must be an object"))
            }
        }
        if let annotations = object["metadata"]?["annotations"] {
            if let members = annotations.objectValue {
                for (key, value) in members {
                    for problem in LabelValidation.qualifiedNameErrors(key) {
                        errors.append(.invalid("metadata.annotations", value: .string(key), detail: problem))
                    }
                    if value.stringValue == nil {
                        errors.append(FieldError(kind: .typeInvalid, field: "metadata.annotations", badValue: value, detail: "must be a string"))
                    }
                }
            } else if !annotations.isNull {
                errors.append(FieldError(kind: .typeInvalid, field: "metadata.annotations", badValue: annotations, detail: "must be an object"))
            }
        }
        if let finalizers = object["metadata"]?["finalizers"], !finalizers.isNull {
            if let items = finalizers.arrayValue {
                for (index, item) in items.enumerated() {
                    guard let text = item.stringValue else {
                        errors.append(FieldError(kind: .typeInvalid, field: "metadata.finalizers[\(index)]", badValue: item, detail: "must be a string"))
                        continue
                    }
                    for problem in LabelValidation.qualifiedNameErrors(text) {
                        errors.append(.invalid("metadata.finalizers[\(index)]", value: .string(text), detail: problem))
                    }
                }
            } else {
                errors.append(FieldError(kind: .typeInvalid, field: "metadata.finalizers", badValue: finalizers, detail: "must be an array"))
            }
        }
        return errors
    }
}
