import KubeAPI

/// The subset of Kubernetes JSONPath that printer columns use: `.a.b`, `['a.b']`, `[0]`, `[*]`,
/// and filters `[?(@.type=="Ready")]` (also `!=`), optionally wrapped in `{...}`.
public struct JSONPathExpression: Sendable, Hashable {
    /// One step of the path.
    enum Step: Sendable, Hashable {
        case field(String)
        case index(Int)
        case wildcard
        case filter(path: [String], equals: Bool, value: String)
    }

    let steps: [Step]

    /// Why a JSONPath expression was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The expression.
        public var expression: String
        /// What is wrong.
        public var message: String
        /// A one-line explanation.
        public var description: String { "invalid JSONPath \(expression): \(message)" }
    }

    /// Parses `text`.
    public init(_ text: String) throws(ParseError) {
        var body = Substring(text).trimmingSpaces()[...]
        if body.hasPrefix("{"), body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        var steps: [Step] = []
        var rest = body
        func fail(_ message: String) -> ParseError { ParseError(expression: text, message: message) }
        while let first = rest.first {
            if first == "." {
                rest = rest.dropFirst()
                let name = rest.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty else { throw fail("empty field name") }
                steps.append(name == "*" ? .wildcard : .field(String(name)))
                rest = rest.dropFirst(name.count)
            } else if first == "[" {
                guard let close = Self.matchingBracket(rest) else { throw fail("unclosed [") }
                let inner = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if inner == "*" {
                    steps.append(.wildcard)
                } else if let number = Int(inner) {
                    steps.append(.index(number))
                } else if (inner.hasPrefix("'") && inner.hasSuffix("'")) || (inner.hasPrefix("\"") && inner.hasSuffix("\"")), inner.count >= 2 {
                    steps.append(.field(String(inner.dropFirst().dropLast())))
                } else if inner.hasPrefix("?(@."), inner.hasSuffix(")") {
                    let condition = inner.dropFirst(4).dropLast()
                    let equals: Bool
                    let parts: [Substring]
                    if let range = condition.firstRange(of: "!=") {
                        equals = false
                        parts = [condition[..<range.lowerBound], condition[range.upperBound...]]
                    } else if let range = condition.firstRange(of: "==") {
                        equals = true
                        parts = [condition[..<range.lowerBound], condition[range.upperBound...]]
                    } else {
                        throw fail("unsupported filter")
                    }
                    var value = parts[1].trimmingSpaces()[...]
                    if value.count >= 2, (value.hasPrefix("\"") && value.hasSuffix("\"")) || (value.hasPrefix("'") && value.hasSuffix("'")) {
                        value = value.dropFirst().dropLast()
                    }
                    let path = parts[0].trimmingSpaces().split(separator: ".").map(String.init)
                    guard !path.isEmpty else { throw fail("empty filter path") }
                    steps.append(.filter(path: path, equals: equals, value: String(value)))
                } else {
                    throw fail("unsupported subscript [\(inner)]")
                }
            } else {
                throw fail("unexpected character \(first)")
            }
        }
        self.steps = steps
    }

    private static func matchingBracket(_ text: Substring) -> Substring.Index? {
        var depth = 0
        var quote: Character?
        for index in text.indices {
            let c = text[index]
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "'", "\"": quote = c
            case "[": depth += 1
            case "]":
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
        }
        return nil
    }

    /// Every value the path selects in `root`, in document order.
    public func evaluate(_ root: JSONValue) -> [JSONValue] {
        var current = [root]
        for step in steps {
            var next: [JSONValue] = []
            for value in current {
                switch step {
                case .field(let name):
                    if let member = value[name] { next.append(member) }
                case .index(let i):
                    if let items = value.arrayValue {
                        let index = i < 0 ? items.count + i : i
                        if items.indices.contains(index) { next.append(items[index]) }
                    }
                case .wildcard:
                    if let items = value.arrayValue { next += items } else if let object = value.objectValue { next += object.values }
                case .filter(let path, let equals, let expected):
                    for item in value.arrayValue ?? [] {
                        guard let found = item[path: path] else { continue }
                        let text: String
                        switch found {
                        case .string(let s): text = s
                        case .int(let n): text = String(n)
                        case .bool(let b): text = b ? "true" : "false"
                        case .double(let d): text = String(d)
                        default: continue
                        }
                        if (text == expected) == equals { next.append(item) }
                    }
                }
            }
            current = next
        }
        return current
    }
}
