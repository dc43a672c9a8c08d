extension LabelSelector {
    /// Parses the string form of a label selector.
    ///
    /// Grammar: comma-separated requirements, each one of `key`, `!key`, `key=value`,
    /// `key==value`, `key!=value` (the value may be empty), `key in (v1,v2)`, `key notin (v1)`,
    /// `key>n`, `key<n`; whitespace between tokens is ignored. The empty string (or only
    /// whitespace) is ``everything``.
    ///
    /// - Throws: ``SelectorParseError`` naming the unexpected token, the invalid key or value,
    ///   or the operator rule that was broken.
    public init(parsing text: String) throws(SelectorParseError) {
        var parser = LabelSelectorParser(text: text)
        self.init(requirements: try parser.parse())
    }
}

/// A tokenizer and recursive-descent parser for the label selector string grammar.
struct LabelSelectorParser {
    enum Token: Equatable {
        case identifier(String)
        case not  // !
        case notEquals  // !=
        case equals  // =
        case doubleEquals  // ==
        case greaterThan  // >
        case lessThan  // <
        case openParen
        case closeParen
        case comma
        case `in`
        case notIn
        case end

        var text: String {
            switch self {
            case .identifier(let s): return s
            case .not: return "!"
            case .notEquals: return "!="
            case .equals: return "="
            case .doubleEquals: return "=="
            case .greaterThan: return ">"
            case .lessThan: return "<"
            case .openParen: return "("
            case .closeParen: return ")"
            case .comma: return ","
            case .in: return "in"
            case .notIn: return "notin"
            case .end: return ""
            }
        }
    }

    let text: String
    var tokens: [Token] = []
    var index = 0

    init(text: String) {
        self.text = text
        self.tokens = Self.tokenize(Array(text.utf8))
    }

    static func isSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "="), UInt8(ascii: ","), UInt8(ascii: "("), UInt8(ascii: ")"),
            UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default:
            return false
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    static func tokenize(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if isWhitespace(byte) {
                i += 1
                continue
            }
            let next: UInt8? = i + 1 < bytes.count ? bytes[i + 1] : nil
            switch byte {
            case UInt8(ascii: "!"):
                if next == UInt8(ascii: "=") { tokens.append(.notEquals); i += 2 } else { tokens.append(.not); i += 1 }
            case UInt8(ascii: "="):
                if next == UInt8(ascii: "=") { tokens.append(.doubleEquals); i += 2 } else { tokens.append(.equals); i += 1 }
            case UInt8(ascii: ">"): tokens.append(.greaterThan); i += 1
            case UInt8(ascii: "<"): tokens.append(.lessThan); i += 1
            case UInt8(ascii: "("): tokens.append(.openParen); i += 1
            case UInt8(ascii: ")"): tokens.append(.closeParen); i += 1
            case UInt8(ascii: ","): tokens.append(.comma); i += 1
            default:
                let start = i
                while i < bytes.count, !isWhitespace(bytes[i]), !isSpecial(bytes[i]) { i += 1 }
                let word = String(decoding: bytes[start..<i], as: UTF8.self)
                switch word {
                case "in": tokens.append(.in)
                case "notin": tokens.append(.notIn)
                default: tokens.append(.identifier(word))
                }
            }
        }
        tokens.append(.end)
        return tokens
    }

    var current: Token { tokens[index] }

    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func unexpected(_ token: Token, expected: String) -> SelectorParseError {
        let found = token == .end ? "end of input" : "'\(token.text)'"
        return SelectorParseError(selector: text, message: "found \(found), expected: \(expected)")
    }

    func wrap(_ error: SelectorParseError) -> SelectorParseError {
        SelectorParseError(selector: text, message: error.message)
    }

    mutating func parse() throws(SelectorParseError) -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        if current == .end { return requirements }
        while true {
            requirements.append(try parseRequirement())
            let token = advance()
            switch token {
            case .end: return requirements
            case .comma:
                if current == .end { throw unexpected(.end, expected: "identifier after ','") }
            default: throw unexpected(token, expected: "',' or end of input")
            }
        }
    }

    /// A key or value word; the keywords `in`/`notin` are accepted as plain words here.
    func word(_ token: Token) -> String? {
        switch token {
        case .identifier(let s): return s
        case .in, .notIn: return token.text
        default: return nil
        }
    }

    mutating func parseRequirement() throws(SelectorParseError) -> LabelSelector.Requirement {
        var requirement: LabelSelector.Requirement
        do throws(SelectorParseError) {
            if current == .not {
                _ = advance()
                let token = advance()
                guard let key = word(token) else { throw unexpected(token, expected: "identifier after '!'") }
                return try LabelSelector.Requirement(key: key, operator: .doesNotExist, values: [])
            }
            let keyToken = advance()
            guard let key = word(keyToken) else { throw unexpected(keyToken, expected: "identifier") }
            let op: LabelSelector.Operator
            switch current {
            case .comma, .end:
                return try LabelSelector.Requirement(key: key, operator: .exists, values: [])
            case .equals: op = .equals
            case .doubleEquals: op = .doubleEquals
            case .notEquals: op = .notEquals
            case .in: op = .in
            case .notIn: op = .notIn
            case .greaterThan: op = .greaterThan
            case .lessThan: op = .lessThan
            default:
                throw unexpected(current, expected: "'=', '!=', '==', 'in', 'notin', '>', '<', ',' or end of input")
            }
            _ = advance()
            let values: [String]
            switch op {
            case .in, .notIn:
                values = try parseValueSet()
            default:
                switch current {
                case .comma, .end: values = [""]
                default:
                    let token = advance()
                    guard let value = word(token) else { throw unexpected(token, expected: "a value") }
                    values = [value]
                }
            }
            requirement = try LabelSelector.Requirement(key: key, operator: op, values: values)
        } catch {
            throw wrap(error)
        }
        return requirement
    }

    /// `( v1 , v2 )`; an element may be empty (`(a,)` holds `a` and the empty value).
    mutating func parseValueSet() throws(SelectorParseError) -> [String] {
        let open = advance()
        guard open == .openParen else { throw unexpected(open, expected: "'('") }
        var values: [String] = []
        if current == .closeParen {
            _ = advance()
            return values
        }
        while true {
            switch current {
            case .comma, .closeParen:
                values.append("")
            default:
                let token = advance()
                guard let value = word(token) else { throw unexpected(token, expected: "a value, ',' or ')'") }
                values.append(value)
            }
            let separator = advance()
            switch separator {
            case .comma: continue
            case .closeParen: return values
            default: throw unexpected(separator, expected: "',' or ')'")
            }
        }
    }
}
