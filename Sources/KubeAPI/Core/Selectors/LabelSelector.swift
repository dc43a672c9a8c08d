/// A label selector: a conjunction of requirements on an object's labels (`app=web,tier in (fe,be),!canary`).
///
/// Requirements are kept sorted by key (stable for equal keys), so ``description`` is canonical:
/// `tier in (be,fe),app=web` is written `app=web,tier in (be,fe)`. An empty selector matches
/// everything; ``nothing`` matches no object.
public struct LabelSelector: Sendable, Hashable, CustomStringConvertible {
    /// A requirement operator.
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        /// `key=value`: the label exists and equals the value.
        case equals = "="
        /// `key==value`: same as ``equals``.
        case doubleEquals = "=="
        /// `key!=value`: the label is missing or differs from the value.
        case notEquals = "!="
        /// `key in (a,b)`: the label exists and has one of the values.
        case `in` = "in"
        /// `key notin (a,b)`: the label is missing or has none of the values.
        case notIn = "notin"
        /// `key`: the label exists.
        case exists = "exists"
        /// `!key`: the label does not exist.
        case doesNotExist = "!"
        /// `key>n`: the label exists and is an integer greater than n.
        case greaterThan = "gt"
        /// `key<n`: the label exists and is an integer less than n.
        case lessThan = "lt"
    }

    /// One validated condition on one label key.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        /// The label key.
        public let key: String
        /// The operator.
        public let `operator`: Operator
        /// The values: sorted and without duplicates for ``Operator/in``/``Operator/notIn``,
        /// one value for the equality and comparison operators, none for existence.
        public let values: [String]

        /// Creates a requirement, validating the key, the values and their number.
        ///
        /// - Throws: ``SelectorParseError`` for an invalid key or value, an empty value set for
        ///   `in`/`notin`, other than one value for `=`, `==`, `!=`, `gt`, `lt` (whose value
        ///   must be an integer), or any values for `exists`/`!`.
        public init(key: String, operator op: Operator, values: [String]) throws(SelectorParseError) {
            func fail(_ message: String) -> SelectorParseError {
                SelectorParseError(selector: Requirement.render(key: key, operator: op, values: values), message: message)
            }
            let keyErrors = LabelValidation.qualifiedNameErrors(key)
            if !keyErrors.isEmpty {
                throw fail("invalid label key \"\(key)\": \(keyErrors.joined(separator: "; "))")
            }
            switch op {
            case .in, .notIn:
                if values.isEmpty { throw fail("for 'in', 'notin' operators, values set can't be empty") }
            case .equals, .doubleEquals, .notEquals:
                if values.count != 1 { throw fail("exact-match compatibility requires one single value") }
            case .exists, .doesNotExist:
                if !values.isEmpty { throw fail("values set must be empty for exists and does not exist") }
            case .greaterThan, .lessThan:
                if values.count != 1 { throw fail("for 'Gt', 'Lt' operators, exactly one value is required") }
                if Int64(values[0]) == nil { throw fail("for 'Gt', 'Lt' operators, the value must be an integer") }
            }
            if op != .greaterThan && op != .lessThan {
                for value in values {
                    let valueErrors = LabelValidation.labelValueErrors(value)
                    if !valueErrors.isEmpty {
                        throw fail("invalid label value: \"\(value)\": at key: \"\(key)\": \(valueErrors.joined(separator: "; "))")
                    }
                }
            }
            self.key = key
            self.operator = op
            self.values = (op == .in || op == .notIn) ? Array(Set(values)).sorted() : values
        }

        /// Whether a label set satisfies this requirement.
        public func matches(_ labels: [String: String]) -> Bool {
            let label = labels[key]
            switch self.operator {
            case .equals, .doubleEquals, .in:
                guard let label else { return false }
                return values.contains(label)
            case .notEquals, .notIn:
                guard let label else { return true }
                return !values.contains(label)
            case .exists:
                return label != nil
            case .doesNotExist:
                return label == nil
            case .greaterThan, .lessThan:
                guard let label, let actual = Int64(label), let bound = Int64(values[0]) else { return false }
                return self.operator == .greaterThan ? actual > bound : actual < bound
            }
        }

        /// The selector syntax of this requirement (`key in (a,b)`, `!key`, `key!=v`).
        public var description: String { Requirement.render(key: key, operator: self.operator, values: values) }

        static func render(key: String, operator op: Operator, values: [String]) -> String {
            switch op {
            case .equals, .doubleEquals, .notEquals: return key + op.rawValue + (values.first ?? "")
            case .in, .notIn: return "\(key) \(op.rawValue) (\(values.sorted().joined(separator: ",")))"
            case .exists: return key
            case .doesNotExist: return "!" + key
            case .greaterThan: return key + ">" + (values.first ?? "")
            case .lessThan: return key + "<" + (values.first ?? "")
            }
        }
    }

    /// The requirements, sorted by key.
    public private(set) var requirements: [Requirement]
    /// Whether this is the selector that matches nothing.
    public let isNothing: Bool

    /// Creates a selector from requirements (sorted by key, keeping the given order for equal keys).
    public init(requirements: [Requirement]) {
        self.requirements = Self.sortedByKey(requirements)
        self.isNothing = false
    }

    private init(nothing: Void) {
        self.requirements = []
        self.isNothing = true
    }

    /// The selector that matches every label set (written as the empty string).
    public static let everything = LabelSelector(requirements: [])
    /// The selector that matches no label set.
    public static let nothing = LabelSelector(nothing: ())

    /// Whether the selector has no requirements and so matches everything.
    public var isEverything: Bool { !isNothing && requirements.isEmpty }

    /// Whether all requirements hold for the labels (`false` for ``nothing``).
    public func matches(_ labels: [String: String]) -> Bool {
        if isNothing { return false }
        for requirement in requirements where !requirement.matches(labels) { return false }
        return true
    }

    /// A copy with one more requirement.
    public func adding(_ requirement: Requirement) -> LabelSelector {
        if isNothing { return self }
        return LabelSelector(requirements: requirements + [requirement])
    }

    /// The value a matching object must have for `key`, when an `=`, `==` or single-value `in`
    /// requirement pins it; `nil` otherwise.
    public func requiredValue(for key: String) -> String? {
        for requirement in requirements where requirement.key == key {
            switch requirement.operator {
            case .equals, .doubleEquals: return requirement.values[0]
            case .in where requirement.values.count == 1: return requirement.values[0]
            default: continue
            }
        }
        return nil
    }

    /// The canonical selector text: requirements sorted by key, joined by commas; empty for
    /// ``everything`` (and, as upstream, for ``nothing``).
    public var description: String {
        requirements.map(\.description).joined(separator: ",")
    }

    static func sortedByKey(_ requirements: [Requirement]) -> [Requirement] {
        requirements.enumerated()
            .sorted { $0.element.key != $1.element.key ? $0.element.key < $1.element.key : $0.offset < $1.offset }
            .map(\.element)
    }
}

/// One `matchExpressions` entry of a structured label selector, in wire form.
public struct LabelSelectorRequirement: Sendable, Hashable, Codable {
    /// The label key.
    public var key: String
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    public var `operator`: String
    /// The values; non-empty for `In`/`NotIn`, empty for `Exists`/`DoesNotExist`.
    public var values: [String]

    /// Creates a requirement.
    public init(key: String, operator op: String, values: [String] = []) {
        self.key = key
        self.operator = op
        self.values = values
    }
}

extension LabelSelector {
    /// Builds a selector from the structured form (`matchLabels` and `matchExpressions`).
    ///
    /// Both empty gives ``everything``. Each label becomes an `=` requirement; expressions use
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`.
    ///
    /// - Throws: ``SelectorParseError`` for an unknown operator, an invalid key or value,
    ///   `In`/`NotIn` without values or `Exists`/`DoesNotExist` with values.
    public init(matchLabels: [String: String], matchExpressions: [LabelSelectorRequirement] = []) throws(SelectorParseError) {
        var requirements: [Requirement] = []
        for key in matchLabels.keys.sorted() {
            requirements.append(try Requirement(key: key, operator: .equals, values: [matchLabels[key]!]))
        }
        for expression in matchExpressions {
            let op: Operator
            switch expression.operator {
            case "In": op = .in
            case "NotIn": op = .notIn
            case "Exists": op = .exists
            case "DoesNotExist": op = .doesNotExist
            default:
                throw SelectorParseError(
                    selector: expression.key,
                    message: "\"\(expression.operator)\" is not a valid label selector operator")
            }
            requirements.append(try Requirement(key: expression.key, operator: op, values: expression.values))
        }
        self.init(requirements: requirements)
    }
}
