/// A field selector: a conjunction of equality tests on an object's selectable fields
/// (`metadata.name=web,status.phase!=Running`).
///
/// Values may contain `,`, `=` and `\` when escaped with a backslash (`a=x\,y`). A field that an
/// object does not have counts as the empty string, so `spec.nodeName=` matches unscheduled pods.
/// Terms are kept sorted by their text, like upstream, so ``description`` is canonical.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    /// A term operator.
    public enum Operator: String, Sendable, Hashable {
        /// `field=value` or `field==value`.
        case equals = "="
        /// `field!=value`.
        case notEquals = "!="
    }

    /// One test on one field.
    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        /// The field path, such as `metadata.name`.
        public var field: String
        /// Equality or inequality.
        public var `operator`: Operator
        /// The unescaped value.
        public var value: String

        /// Creates a term.
        public init(field: String, operator op: Operator, value: String) {
            self.field = field
            self.operator = op
            self.value = value
        }

        /// Whether the fields satisfy this term (a missing field counts as the empty string).
        public func matches(_ fields: [String: String]) -> Bool {
            matches(value: fields[field] ?? "")
        }

        /// Whether a field whose value is `actual` satisfies this term.
        public func matches(value actual: String) -> Bool {
            self.operator == .equals ? actual == value : actual != value
        }

        /// `field=value` / `field!=value`, with `\`, `,` and `=` in the value escaped.
        public var description: String { field + self.operator.rawValue + FieldSelector.escape(value) }
    }

    /// The terms, in canonical order.
    public private(set) var requirements: [Requirement]

    /// Creates a selector from terms.
    public init(requirements: [Requirement]) {
        self.requirements = requirements.sorted { $0.description < $1.description }
    }

    /// The selector that matches everything (the empty string).
    public static let everything = FieldSelector(requirements: [])

    /// A selector with the single term `field=value`.
    public static func equals(_ field: String, _ value: String) -> FieldSelector {
        FieldSelector(requirements: [Requirement(field: field, operator: .equals, value: value)])
    }

    /// Whether the selector has no terms.
    public var isEverything: Bool { requirements.isEmpty }

    /// Whether every term holds for the fields.
    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(fields) }
    }

    /// The value `field` must equal, when an `=` term pins it; `nil` otherwise.
    public func requiredValue(for field: String) -> String? {
        requirements.first { $0.field == field && $0.operator == .equals }?.value
    }

    /// The names of the fields the selector tests, sorted and without duplicates.
    public var fields: [String] { Array(Set(requirements.map(\.field))).sorted() }

    /// The canonical text: terms joined by commas; empty for ``everything``.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// Escapes `\`, `,` and `=` in a value with a backslash.
    public static func escape(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "," || $0 == "=" }) else { return value }
        var result = ""
        for character in value {
            if character == "\\" || character == "," || character == "=" { result.append("\\") }
            result.append(character)
        }
        return result
    }
}

extension FieldSelector {
    /// Parses the string form: comma-separated `field=value`, `field==value` or `field!=value`
    /// terms (empty terms are skipped, the empty string is ``everything``). The first operator
    /// in a term splits it; in the value, `\\`, `\,` and `\=` stand for `\`, `,` and `=`.
    /// Whitespace is significant.
    ///
    /// - Throws: ``SelectorParseError`` for a term without an operator or field name, an
    ///   unknown escape sequence, a trailing backslash, or an unescaped `=` in a value.
    public init(parsing text: String) throws(SelectorParseError) {
        var requirements: [Requirement] = []
        for term in Self.splitTerms(text) where !term.isEmpty {
            guard let (field, op, rawValue) = Self.splitTerm(term) else {
                throw SelectorParseError(selector: text, message: "can't understand '\(term)': expected field=value, field==value or field!=value")
            }
            guard !field.isEmpty else {
                throw SelectorParseError(selector: text, message: "missing field name in '\(term)'")
            }
            let value = try Self.unescape(rawValue, selector: text)
            requirements.append(Requirement(field: String(field), operator: op, value: value))
        }
        self.init(requirements: requirements)
    }

    /// Splits on commas that are not escaped with a backslash; escapes are kept.
    static func splitTerms(_ text: String) -> [Substring] {
        var terms: [Substring] = []
        var start = text.startIndex
        var escaped = false
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if escaped {
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "," {
                terms.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        terms.append(text[start...])
        return terms
    }

    /// Splits at the first operator (`!=`, then `==`, then `=` at each position).
    static func splitTerm(_ term: Substring) -> (Substring, Operator, Substring)? {
        var index = term.startIndex
        while index < term.endIndex {
            let rest = term[index...]
            if rest.hasPrefix("!=") { return (term[..<index], .notEquals, rest.dropFirst(2)) }
            if rest.hasPrefix("==") { return (term[..<index], .equals, rest.dropFirst(2)) }
            if rest.hasPrefix("=") { return (term[..<index], .equals, rest.dropFirst(1)) }
            index = term.index(after: index)
        }
        return nil
    }

    static func unescape(_ raw: Substring, selector: String) throws(SelectorParseError) -> String {
        var result = ""
        var escaped = false
        for character in raw {
            if escaped {
                guard character == "\\" || character == "," || character == "=" else {
                    throw SelectorParseError(selector: selector, message: "invalid escape sequence '\\\(character)' in value '\(raw)'")
                }
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "=" || character == "," {
                throw SelectorParseError(selector: selector, message: "unescaped '\(character)' in value '\(raw)'")
            } else {
                result.append(character)
            }
        }
        if escaped {
            throw SelectorParseError(selector: selector, message: "invalid escape sequence: trailing '\\' in value '\(raw)'")
        }
        return result
    }
}
