import KubeAPI

/// Field checks shared by the kind strategies, with upstream's messages.
enum FieldChecks {
    /// `must be between 1 and 65535, inclusive`.
    static let portRangeMessage = "must be between 1 and 65535, inclusive"

    /// A required string: `Required value` when absent or empty, `Invalid value` (type) when
    /// not a string.
    static func requiredString(_ value: JSONValue?, _ field: String, into errors: inout [FieldError]) -> String? {
        switch value {
        case nil, .null?:
            errors.append(.required(field))
            return nil
        case .string(let text)?:
            if text.isEmpty { errors.append(.required(field)); return nil }
            return text
        case let other?:
            errors.append(FieldError(kind: .typeInvalid, field: field, badValue: other, detail: "must be a string"))
            return nil
        }
    }

    /// A DNS-1123 label (`must be no more than 63 characters`, ...).
    static func dnsLabel(_ value: String, _ field: String, into errors: inout [FieldError]) {
        for problem in ObjectValidation.dnsLabelErrors(value) {
            errors.append(.invalid(field, value: .string(value), detail: problem))
        }
    }

    /// One of `supported` (`Unsupported value: ...: supported values: ...`); `Required value`
    /// when empty and `required`.
    static func oneOf(_ value: JSONValue?, _ supported: [String], _ field: String, required: Bool = true, into errors: inout [FieldError]) {
        guard let value, !value.isNull else {
            if required { errors.append(.required(field)) }
            return
        }
        if let text = value.stringValue {
            if text.isEmpty {
                if required { errors.append(.required(field)) }
                return
            }
            if supported.contains(text) { return }
        }
        errors.append(.notSupported(field, value: value, supported: supported))
    }

    /// A port number 1-65535 (`Invalid value: 0: must be between 1 and 65535, inclusive`).
    /// With `zeroIsMissing` a 0 counts as absent (container ports), otherwise it is out of range
    /// (service ports).
    static func portNumber(_ value: JSONValue?, _ field: String, required: Bool = true, zeroIsMissing: Bool = true, into errors: inout [FieldError]) {
        guard let value, !value.isNull else {
            if required { errors.append(.required(field)) }
            return
        }
        guard let number = value.intValue else {
            errors.append(FieldError(kind: .typeInvalid, field: field, badValue: value, detail: "must be an integer"))
            return
        }
        if number == 0 && required && zeroIsMissing { errors.append(.required(field)); return }
        if number == 0 && !required { return }
        if !(1...65535).contains(number) { errors.append(.invalid(field, value: value, detail: portRangeMessage)) }
    }

    /// An IANA service name as a port name (at most 15 characters, lower-case alphanumerics and
    /// `-`, at least one letter, no `--`, no leading or trailing `-`).
    static func portNameErrors(_ name: String) -> [String] {
        var problems: [String] = []
        if name.utf8.count > 15 { problems.append("must be no more than 15 characters") }
        if !name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }) {
            problems.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !name.utf8.contains(where: { $0 >= 97 && $0 <= 122 }) { problems.append("must contain at least one letter (a-z)") }
        if name.contains("--") { problems.append("must not contain consecutive hyphens") }
        if name.hasPrefix("-") || name.hasSuffix("-") { problems.append("must not begin or end with a hyphen") }
        return problems
    }

    /// A port given as a number or a name (`targetPort`, probe ports).
    static func numberOrName(_ value: JSONValue?, _ field: String, into errors: inout [FieldError]) {
        guard let value, !value.isNull else { return }
        if let number = value.intValue {
            if !(1...65535).contains(number) { errors.append(.invalid(field, value: value, detail: portRangeMessage)) }
        } else if let name = value.stringValue {
            for problem in portNameErrors(name) { errors.append(.invalid(field, value: value, detail: problem)) }
        } else {
            errors.append(FieldError(kind: .typeInvalid, field: field, badValue: value, detail: "must be an integer or a string"))
        }
    }

    /// A whole number at least `minimum` (`must be greater than or equal to 0`).
    static func minimum(_ value: JSONValue?, _ minimum: Int64, _ field: String, into errors: inout [FieldError]) {
        guard let value, !value.isNull else { return }
        guard let number = value.intValue else {
            errors.append(FieldError(kind: .typeInvalid, field: field, badValue: value, detail: "must be an integer"))
            return
        }
        if number < minimum { errors.append(.invalid(field, value: value, detail: "must be greater than or equal to \(minimum)")) }
    }

    /// `field is immutable` when `new` differs from `old` (absent and `null` are the same).
    static func immutable(_ new: JSONValue?, _ old: JSONValue?, _ field: String, into errors: inout [FieldError]) {
        let newValue = new ?? .null
        let oldValue = old ?? .null
        if newValue != oldValue { errors.append(.invalid(field, value: newValue, detail: "field is immutable")) }
    }

    /// Whether a `LabelSelector` object (`matchLabels`, `matchExpressions`) selects `labels`.
    /// An empty selector selects everything.
    static func selector(_ selector: JSONValue, matches labels: [String: String]) -> Bool {
        for (key, value) in selector["matchLabels"]?.objectValue ?? [:] where labels[key] != value.stringValue {
            return false
        }
        for expression in selector.elements("matchExpressions") {
            let key = expression.string("key")
            let values = expression.elements("values").compactMap(\.stringValue)
            let current = labels[key]
            switch expression.string("operator") {
            case "In": if current.map({ !values.contains($0) }) ?? true { return false }
            case "NotIn": if let current, values.contains(current) { return false }
            case "Exists": if current == nil { return false }
            case "DoesNotExist": if current != nil { return false }
            default: return false
            }
        }
        return true
    }

    /// Whether a selector has no requirements.
    static func isEmptySelector(_ selector: JSONValue) -> Bool {
        (selector["matchLabels"]?.objectValue ?? [:]).isEmpty && selector.elements("matchExpressions").isEmpty
    }

    /// Checks of a `LabelSelector`: its keys and values, and operator rules.
    static func labelSelector(_ selector: JSONValue, _ field: String, into errors: inout [FieldError]) {
        guard selector.objectValue != nil else {
            errors.append(FieldError(kind: .typeInvalid, field: field, badValue: selector, detail: "must be an object"))
            return
        }
        for (key, value) in selector["matchLabels"]?.objectValue ?? [:] {
            for problem in LabelValidation.qualifiedNameErrors(key) {
                errors.append(.invalid("\(field).matchLabels", value: .string(key), detail: problem))
            }
            let text = value.stringValue ?? ""
            for problem in LabelValidation.labelValueErrors(text) {
                errors.append(.invalid("\(field).matchLabels", value: value, detail: problem))
            }
        }
        for (index, expression) in selector.elements("matchExpressions").enumerated() {
            let path = "\(field).matchExpressions[\(index)]"
            let op = expression.string("operator")
            let values = expression.elements("values")
            switch op {
            case "In", "NotIn":
                if values.isEmpty { errors.append(.required("\(path).values", detail: "must be specified when `operator` is 'In' or 'NotIn'")) }
            case "Exists", "DoesNotExist":
                if !values.isEmpty { errors.append(.forbidden("\(path).values", detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")) }
            default:
                errors.append(.invalid("\(path).operator", value: .string(op), detail: "not a valid selector operator"))
            }
            for problem in LabelValidation.qualifiedNameErrors(expression.string("key")) {
                errors.append(.invalid("\(path).key", value: .string(expression.string("key")), detail: problem))
            }
        }
    }

    /// The string labels of an object's (or template's) `metadata.labels`.
    static func labels(of object: JSONValue?) -> [String: String] {
        object?.labels ?? [:]
    }

    /// A quantity; reports `Invalid value` when it does not parse.
    static func quantity(_ value: JSONValue, _ field: String, into errors: inout [FieldError]) -> Quantity? {
        let text: String
        if let string = value.stringValue { text = string } else if let number = value.intValue { text = String(number) } else if let number = value.doubleValue { text = String(number) } else {
            errors.append(.invalid(field, value: value, detail: "must be a quantity"))
            return nil
        }
        do {
            return try Quantity(parsing: text)
        } catch {
            errors.append(.invalid(field, value: value, detail: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"))
            return nil
        }
    }
}
