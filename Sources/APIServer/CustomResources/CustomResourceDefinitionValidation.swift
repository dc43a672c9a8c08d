import KubeAPI

/// Checks a CustomResourceDefinition the way upstream's apiextensions validation does: names,
/// scope, versions (exactly one storage version), structural schemas, subresources and
/// printer columns. Messages and field paths follow upstream's.
public enum CustomResourceDefinitionValidation {
    /// The types a schema node may declare.
    static let schemaTypes = ["array", "boolean", "integer", "number", "object", "string"]
    /// The types a printer column may declare.
    static let columnTypes = ["boolean", "date", "integer", "number", "string"]

    /// The validation errors of `crd` (empty when valid).
    public static func errors(_ crd: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let spec = crd["spec"] ?? .object([:])
        let group = spec["group"]?.stringValue ?? ""
        let names = spec["names"] ?? .object([:])
        let plural = names["plural"]?.stringValue ?? ""
        let name = crd.metadataString("name")
        if name != plural + "." + group {
            errors.append(.invalid("metadata.name", value: .string(name), detail: "must be spec.names.plural+\".\"+spec.group"))
        }
        if group.isEmpty {
            errors.append(.required("spec.group"))
        } else {
            for problem in LabelValidation.dnsSubdomainErrors(group) {
                errors.append(.invalid("spec.group", value: .string(group), detail: problem))
            }
            if !group.contains(".") {
                errors.append(.invalid("spec.group", value: .string(group), detail: "should be a domain with at least one dot"))
            }
        }
        let scope = spec["scope"]?.stringValue ?? ""
        if scope.isEmpty {
            errors.append(.required("spec.scope"))
        } else if scope != "Cluster" && scope != "Namespaced" {
            errors.append(.notSupported("spec.scope", value: .string(scope), supported: ["Cluster", "Namespaced"]))
        }
        errors += nameErrors(names, path: "spec.names")
        errors += versionErrors(spec["versions"]?.arrayValue ?? [], spec: spec)
        return errors
    }

    /// The errors of an update from `old` to `new`: those of `new`, plus the immutable scope
    /// and a storage version removed from `status.storedVersions`.
    public static func updateErrors(_ new: JSONValue, old: JSONValue) -> [FieldError] {
        var errors = self.errors(new)
        let oldScope = old[path: "spec", "scope"]?.stringValue ?? ""
        let newScope = new[path: "spec", "scope"]?.stringValue ?? ""
        if !oldScope.isEmpty, oldScope != newScope {
            errors.append(.invalid("spec.scope", value: .string(newScope), detail: "field is immutable"))
        }
        return errors
    }

    static func nameErrors(_ names: JSONValue, path: String) -> [FieldError] {
        var errors: [FieldError] = []
        for field in ["plural", "singular"] {
            let value = names[field]?.stringValue ?? ""
            if value.isEmpty {
                if field == "plural" { errors.append(.required("\(path).plural")) }
                continue
            }
            if let problem = dns1035Problem(value) {
                errors.append(.invalid("\(path).\(field)", value: .string(value), detail: problem))
            }
        }
        let kind = names["kind"]?.stringValue ?? ""
        if kind.isEmpty {
            errors.append(.required("\(path).kind"))
        } else if dns1035Problem(kind.lowercased()) != nil {
            errors.append(.invalid("\(path).kind", value: .string(kind), detail: "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"))
        }
        let listKind = names["listKind"]?.stringValue ?? (kind.isEmpty ? "" : kind + "List")
        if listKind.isEmpty {
            errors.append(.required("\(path).listKind"))
        } else if dns1035Problem(listKind.lowercased()) != nil {
            errors.append(.invalid("\(path).listKind", value: .string(listKind), detail: "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"))
        } else if listKind == kind {
            errors.append(.invalid("\(path).listKind", value: .string(listKind), detail: "kind and listKind may not be the same"))
        }
        for (index, item) in (names["shortNames"]?.arrayValue ?? []).enumerated() {
            let value = item.stringValue ?? ""
            if let problem = dns1035Problem(value) {
                errors.append(.invalid("\(path).shortNames[\(index)]", value: .string(value), detail: problem))
            }
        }
        for (index, item) in (names["categories"]?.arrayValue ?? []).enumerated() {
            let value = item.stringValue ?? ""
            if let problem = dns1035Problem(value) {
                errors.append(.invalid("\(path).categories[\(index)]", value: .string(value), detail: problem))
            }
        }
        return errors
    }

    /// Upstream's DNS-1035 label message, or `nil` when `value` is one.
    static func dns1035Problem(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        let lower = { (b: UInt8) in b >= 97 && b <= 122 }
        let digit = { (b: UInt8) in b >= 48 && b <= 57 }
        if bytes.count > 63 { return "must be no more than 63 characters" }
        guard let first = bytes.first, let last = bytes.last, lower(first), lower(last) || digit(last),
              bytes.allSatisfy({ lower($0) || digit($0) || $0 == 45 })
        else {
            return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
        }
        return nil
    }

    static func versionErrors(_ versions: [JSONValue], spec: JSONValue) -> [FieldError] {
        var errors: [FieldError] = []
        let path = "spec.versions"
        if versions.isEmpty {
            errors.append(.required(path, detail: "must have at least one version"))
            return errors
        }
        var seen = Set<String>()
        var storageCount = 0
        var unique = true
        for (index, version) in versions.enumerated() {
            let versionPath = "\(path)[\(index)]"
            let name = version["name"]?.stringValue ?? ""
            if version["storage"]?.boolValue == true { storageCount += 1 }
            if !seen.insert(name).inserted { unique = false }
            if name.isEmpty {
                errors.append(.required("\(versionPath).name"))
            } else if let problem = dns1035Problem(name) {
                errors.append(.invalid("\(versionPath).name", value: .string(name), detail: problem))
            }
            let schemaPath = "\(versionPath).schema.openAPIV3Schema"
            if let schema = version[path: "schema", "openAPIV3Schema"], !schema.isNull {
                errors += schemaErrors(schema, path: schemaPath, position: .root)
            } else {
                errors.append(.required(schemaPath, detail: "schemas are required"))
            }
            errors += subresourceErrors(version["subresources"], path: "\(versionPath).subresources")
            for (columnIndex, column) in (version["additionalPrinterColumns"]?.arrayValue ?? []).enumerated() {
                let columnPath = "\(versionPath).additionalPrinterColumns[\(columnIndex)]"
                if (column["name"]?.stringValue ?? "").isEmpty { errors.append(.required("\(columnPath).name")) }
                let type = column["type"]?.stringValue ?? ""
                if type.isEmpty {
                    errors.append(.required("\(columnPath).type"))
                } else if !columnTypes.contains(type) {
                    errors.append(.notSupported("\(columnPath).type", value: .string(type), supported: columnTypes))
                }
                let jsonPath = column["jsonPath"]?.stringValue ?? ""
                if jsonPath.isEmpty {
                    errors.append(.required("\(columnPath).jsonPath"))
                } else if (try? JSONPathExpression(jsonPath)) == nil {
                    errors.append(.invalid("\(columnPath).jsonPath", value: .string(jsonPath), detail: "must be a simple json path starting with ."))
                }
            }
        }
        let summary = JSONValue.array(versions.map { ["name": $0["name"] ?? "", "served": $0["served"] ?? false, "storage": $0["storage"] ?? false] })
        if !unique {
            errors.append(.invalid(path, value: summary, detail: "must contain unique version names"))
        }
        if storageCount != 1 {
            errors.append(.invalid(path, value: summary, detail: "must have exactly one version marked as storage version"))
        }
        return errors
    }

    static func subresourceErrors(_ subresources: JSONValue?, path: String) -> [FieldError] {
        guard let scale = subresources?["scale"], scale.objectValue != nil else { return [] }
        var errors: [FieldError] = []
        let scalePath = "\(path).scale"
        let spec = scale["specReplicasPath"]?.stringValue ?? ""
        if spec.isEmpty {
            errors.append(.required("\(scalePath).specReplicasPath"))
        } else if !simplePath(spec, under: ".spec") {
            errors.append(.invalid("\(scalePath).specReplicasPath", value: .string(spec), detail: "should be a json path under .spec"))
        }
        let status = scale["statusReplicasPath"]?.stringValue ?? ""
        if status.isEmpty {
            errors.append(.required("\(scalePath).statusReplicasPath"))
        } else if !simplePath(status, under: ".status") {
            errors.append(.invalid("\(scalePath).statusReplicasPath", value: .string(status), detail: "should be a json path under .status"))
        }
        if let selector = scale["labelSelectorPath"]?.stringValue, !selector.isEmpty,
           !simplePath(selector, under: ".spec") && !simplePath(selector, under: ".status") {
            errors.append(.invalid("\(scalePath).labelSelectorPath", value: .string(selector), detail: "should be a json path under either .spec or .status"))
        }
        return errors
    }

    /// `.spec.a.b` style paths below `root` (no brackets or wildcards).
    static func simplePath(_ path: String, under root: String) -> Bool {
        guard path.hasPrefix(root + "."), !path.contains("["), !path.contains("*") else { return false }
        return !path.dropFirst(root.count + 1).split(separator: ".", omittingEmptySubsequences: false).contains { $0.isEmpty }
    }

    /// Where a schema node sits (its "type" requirement message differs).
    enum Position { case root, property, items, additionalProperties }

    static func schemaErrors(_ schema: JSONValue, path: String, position: Position) -> [FieldError] {
        var errors: [FieldError] = []
        guard schema.objectValue != nil else {
            errors.append(.invalid(path, value: schema, detail: "must be an object"))
            return errors
        }
        let type = schema["type"]?.stringValue ?? ""
        let preserve = schema["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        let intOrString = schema["x-kubernetes-int-or-string"]?.boolValue ?? false
        if type.isEmpty {
            if position == .root {
                errors.append(.required("\(path).type", detail: "must not be empty at the root"))
            } else if !preserve && !intOrString {
                let place = position == .items ? "for specified array items" : "for specified object fields"
                errors.append(.required("\(path).type", detail: "must not be empty \(place)"))
            }
        } else if !schemaTypes.contains(type) {
            errors.append(.notSupported("\(path).type", value: .string(type), supported: schemaTypes))
        } else if position == .root && type != "object" {
            errors.append(.invalid("\(path).type", value: .string(type), detail: "must be object at the root"))
        }
        if intOrString && !type.isEmpty {
            errors.append(.invalid("\(path).type", value: .string(type), detail: "must be empty if x-kubernetes-int-or-string is true"))
        }
        let properties = schema["properties"]?.objectValue
        let additional = schema["additionalProperties"]
        if let properties {
            if !type.isEmpty && type != "object" {
                errors.append(.invalid("\(path).type", value: .string(type), detail: "must be object if properties are specified"))
            }
            if let additional, additional.objectValue != nil || additional.boolValue == true {
                errors.append(.forbidden("\(path).additionalProperties", detail: "additionalProperties and properties are mutual exclusive"))
            }
            for (name, child) in properties {
                errors += schemaErrors(child, path: "\(path).properties[\(name)]", position: .property)
            }
        }
        if let additional, additional.objectValue != nil {
            errors += schemaErrors(additional, path: "\(path).additionalProperties", position: .additionalProperties)
        }
        if let items = schema["items"] {
            if items.objectValue == nil {
                errors.append(.forbidden("\(path).items", detail: "items must be a schema object and not an array"))
            } else {
                errors += schemaErrors(items, path: "\(path).items", position: .items)
            }
        } else if type == "array" {
            errors.append(.required("\(path).items", detail: "must be specified"))
        }
        if let pattern = schema["pattern"]?.stringValue, (try? SchemaPattern(pattern)) == nil {
            errors.append(.invalid("\(path).pattern", value: .string(pattern), detail: "must be a valid regular expression"))
        }
        let listType = schema["x-kubernetes-list-type"]?.stringValue ?? ""
        if !listType.isEmpty {
            if !["atomic", "set", "map"].contains(listType) {
                errors.append(.notSupported("\(path).x-kubernetes-list-type", value: .string(listType), supported: ["atomic", "set", "map"]))
            }
            if type != "array" {
                errors.append(.invalid("\(path).x-kubernetes-list-type", value: .string(listType), detail: "must only be used on array types"))
            }
            if listType == "map" && (schema["x-kubernetes-list-map-keys"]?.arrayValue ?? []).isEmpty {
                errors.append(.required("\(path).x-kubernetes-list-map-keys", detail: "must not be empty if x-kubernetes-list-type is map"))
            }
        }
        if let defaultValue = schema["default"] {
            if position == .root {
                errors.append(.forbidden("\(path).default", detail: "must not be set at the root"))
            } else {
                // A default must itself be valid against its node.
                for problem in StructuralSchema(schema).validate(defaultValue, at: "default") {
                    errors.append(FieldError(kind: problem.kind, field: "\(path).default", badValue: problem.badValue, detail: problem.detail))
                }
            }
        }
        if position == .root, let meta = properties?["metadata"], let members = meta.objectValue {
            let allowed: Set<String> = ["type", "properties"]
            if members.keys.contains(where: { !allowed.contains($0) }) || (meta["properties"]?.objectValue?.keys.contains { $0 != "name" && $0 != "generateName" } ?? false) {
                errors.append(.forbidden("\(path).properties[metadata]", detail: "must not specify anything other than name and generateName, but metadata is implicitly specified"))
            }
        }
        return errors
    }
}
