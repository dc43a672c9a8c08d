import KubeAPI
import OrderedCollections

extension StructuralSchema {
    /// The validation errors of `value` against this schema, with upstream's field paths and
    /// messages (`spec.replicas: Invalid value: "string": spec.replicas in body must be of type
    /// integer: "string"`). `path` is the path of `value` (empty for the root).
    public func validate(_ value: JSONValue, at path: String) -> [FieldError] {
        var errors: [FieldError] = []
        check(value, path: path, into: &errors)
        return errors
    }

    private func check(_ value: JSONValue, path: String, into errors: inout [FieldError]) {
        if value.isNull {
            if nullable || (type.isEmpty && (preserveUnknownFields || intOrString)) { return }
            if !type.isEmpty {
                errors.append(Self.typeError(path, actual: "null", expected: type))
            }
            return
        }
        if intOrString {
            switch value {
            case .int, .string: break
            case .double(let d) where d.rounded() == d: break
            default:
                errors.append(Self.typeError(path, actual: Self.typeName(value), expected: "integer,string"))
                return
            }
        } else if !type.isEmpty && !Self.hasType(value, type) {
            errors.append(Self.typeError(path, actual: Self.typeName(value), expected: type))
            return
        }
        if let enumValues, !enumValues.contains(where: { Self.equal($0, value) }) {
            let supported = enumValues.map { $0.stringValue ?? $0.serializedString() }
            errors.append(.notSupported(path, value: value, supported: supported))
        }
        switch value {
        case .string(let text):
            checkString(text, value: value, path: path, into: &errors)
        case .int, .double:
            checkNumber(value, path: path, into: &errors)
        case .array(let elements):
            checkArray(elements, value: value, path: path, into: &errors)
        case .object(let members):
            checkObject(members, value: value, path: path, into: &errors)
        default:
            break
        }
    }

    private func checkString(_ text: String, value: JSONValue, path: String, into errors: inout [FieldError]) {
        let length = text.unicodeScalars.count
        if let maxLength, length > maxLength {
            errors.append(.tooLong(path, maximumLength: maxLength))
        }
        if let minLength, length < minLength {
            errors.append(.invalid(path, value: value, detail: "\(path) in body should be at least \(minLength) chars long"))
        }
        if let pattern, !pattern.matches(text) {
            errors.append(.invalid(path, value: value, detail: "\(path) in body should match '\(pattern.expression)'"))
        }
        if !format.isEmpty, !SchemaFormats.isValid(text, format: format) {
            errors.append(Self.typeError(path, value: value, detail: "\(path) in body must be of type \(format): \(Self.quoted(text))"))
        }
    }

    private func checkNumber(_ value: JSONValue, path: String, into errors: inout [FieldError]) {
        guard let number = value.doubleValue else { return }
        if let minimum {
            if exclusiveMinimum ? number <= minimum : number < minimum {
                errors.append(.invalid(path, value: value, detail: "\(path) in body should be greater than \(exclusiveMinimum ? "" : "or equal to ")\(Self.numberText(minimum))"))
            }
        }
        if let maximum {
            if exclusiveMaximum ? number >= maximum : number > maximum {
                errors.append(.invalid(path, value: value, detail: "\(path) in body should be less than \(exclusiveMaximum ? "" : "or equal to ")\(Self.numberText(maximum))"))
            }
        }
        if type == "integer", format == "int32", let int = value.intValue, int < Int64(Int32.min) || int > Int64(Int32.max) {
            errors.append(.invalid(path, value: value, detail: "\(path) in body must be of type int32: \(Self.quoted(value.serializedString()))"))
        }
    }

    private func checkArray(_ elements: [JSONValue], value: JSONValue, path: String, into errors: inout [FieldError]) {
        if let maxItems, elements.count > maxItems {
            errors.append(.tooMany(path, count: elements.count, maximum: maxItems))
        }
        if let minItems, elements.count < minItems {
            errors.append(.invalid(path, value: .int(Int64(elements.count)), detail: "\(path) in body should have at least \(minItems) items"))
        }
        if uniqueItems, Self.hasDuplicates(elements) {
            errors.append(.invalid(path, value: value, detail: "\(path) in body shouldn't contain duplicates"))
        }
        if let items {
            for (index, element) in elements.enumerated() {
                items.check(element, path: "\(path)[\(index)]", into: &errors)
            }
        }
        switch listType {
        case "set":
            for (index, element) in elements.enumerated() where elements[..<index].contains(where: { Self.equal($0, element) }) {
                errors.append(.duplicate("\(path)[\(index)]", value: element))
            }
        case "map" where !listMapKeys.isEmpty:
            var seen: [JSONValue] = []
            for (index, element) in elements.enumerated() {
                var key = JSONValue.object([:])
                for name in listMapKeys {
                    if let member = element[name] ?? items?.properties[name]?.defaultValue { key.setMember(name, member) }
                }
                if seen.contains(where: { Self.equal($0, key) }) {
                    errors.append(.duplicate("\(path)[\(index)]", value: key))
                } else {
                    seen.append(key)
                }
            }
        default:
            break
        }
    }

    private func checkObject(_ members: OrderedDictionaryOfJSON, value: JSONValue, path: String, into errors: inout [FieldError]) {
        if let maxProperties, members.count > maxProperties {
            errors.append(.tooMany(path, count: members.count, maximum: maxProperties))
        }
        if let minProperties, members.count < minProperties {
            errors.append(.invalid(path, value: .int(Int64(members.count)), detail: "\(path) in body should have at least \(minProperties) properties"))
        }
        for name in required where members[name] == nil {
            errors.append(.required(Self.join(path, name)))
        }
        for (name, member) in members {
            let childPath = Self.join(path, name)
            if let schema = properties[name] {
                schema.check(member, path: childPath, into: &errors)
            } else if let additionalProperties {
                additionalProperties.check(member, path: childPath, into: &errors)
            }
        }
        if embeddedResource {
            for name in ["apiVersion", "kind"] where (members[name]?.stringValue ?? "").isEmpty {
                errors.append(.required(Self.join(path, name), detail: "must not be empty"))
            }
            if let meta = members["metadata"], !meta.isNull, meta.objectValue == nil {
                errors.append(Self.typeError(Self.join(path, "metadata"), actual: Self.typeName(meta), expected: "object"))
            }
        }
    }

    // MARK: - Helpers

    static func typeError(_ path: String, actual: String, expected: String) -> FieldError {
        typeError(path, value: .string(actual), detail: "\(path) in body must be of type \(expected): \(Self.quoted(actual))")
    }

    static func typeError(_ path: String, value: JSONValue, detail: String) -> FieldError {
        FieldError(kind: .typeInvalid, field: path, badValue: value, detail: detail)
    }

    static func hasType(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        case ("number", .int), ("number", .double): return true
        default: return false
        }
    }

    /// JSON equality with numbers compared by value (`1` equals `1.0`).
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: return a == b
        }
    }

    static func hasDuplicates(_ elements: [JSONValue]) -> Bool {
        for (index, element) in elements.enumerated() where elements[..<index].contains(where: { equal($0, element) }) {
            return true
        }
        return false
    }

    /// `text` in double quotes with JSON escapes (as Go's `%q` prints plain text).
    static func quoted(_ text: String) -> String {
        JSONValue.string(text).serializedString(escapingHTML: false)
    }

    /// A bound as validation messages print it (`1`, `1.5`).
    static func numberText(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

typealias OrderedDictionaryOfJSON = OrderedDictionary<String, JSONValue>
