import OrderedCollections

/// A YAML parser for Kubernetes manifests: one document into a ``JSONValue``.
///
/// Accepts block mappings and sequences (including sequences at their key's indentation and
/// `- key: value` items), flow collections (`[a, b]`, `{a: 1}`, across lines), plain,
/// single- and double-quoted scalars (multi-line too), literal and folded block scalars
/// (`|`, `>`, with `-`/`+` chomping and an indentation digit), comments, `---`/`...`
/// markers and the `!!str`/`!!int`/... tags. Plain scalars resolve the way Kubernetes'
/// YAML decoding (YAML 1.1) does: `true`/`yes`/`on`..., `null`/`~`/empty, decimal, octal
/// (`0644`), hexadecimal and float numbers; everything else is a string. Anchors, aliases,
/// complex keys and several documents are refused with the line number.
public enum YAMLParser {
    /// Parses a document.
    ///
    /// - Throws: ``YAMLParseError`` naming the line for malformed or unsupported input.
    public static func parse(_ text: String) throws(YAMLParseError) -> JSONValue {
        var reader = YAMLReader(text: text)
        return try reader.document()
    }

    /// Parses a document from UTF-8 bytes.
    ///
    /// - Throws: ``YAMLParseError`` for invalid UTF-8 or malformed input.
    public static func parse(_ bytes: some Collection<UInt8>) throws(YAMLParseError) -> JSONValue {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw YAMLParseError(line: 0, message: "invalid UTF-8") }
        return try parse(text)
    }

    /// Resolves a plain (unquoted) scalar to null, a boolean, a number or a string.
    public static func resolvePlain(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return .bool(false)
        default: break
        }
        let cleaned = text.replacingUnderscores()
        var digits = Substring(cleaned)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        if !digits.isEmpty {
            if digits.hasPrefix("0x"), let value = Int64(digits.dropFirst(2), radix: 16) { return .int(negative ? -value : value) }
            if digits.hasPrefix("0o"), let value = Int64(digits.dropFirst(2), radix: 8) { return .int(negative ? -value : value) }
            if digits.count > 1, digits.first == "0", digits.allSatisfy({ $0 >= "0" && $0 <= "7" }), let value = Int64(digits, radix: 8) {
                return .int(negative ? -value : value)
            }
            if digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(cleaned) { return .int(value) }
            let floatChars = digits.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+" }
            if floatChars, digits.contains(where: { $0.isNumber }), digits.first != "e", digits.first != "E", let value = Double(cleaned) {
                return .double(value)
            }
        }
        return .string(text)
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        guard contains("_"), first?.isNumber == true || first == "-" || first == "+" else { return self }
        return String(filter { $0 != "_" })
    }
}

/// The line-oriented reader behind ``YAMLParser``.
struct YAMLReader {
    var lines: [String]
    var index = 0
    let maximumDepth = 256
    var depth = 0

    init(text: String) {
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
            var line = String($0)
            if line.hasSuffix("\r") { line.removeLast() }
            return line
        }
    }

    func fail(_ message: String, line: Int? = nil) -> YAMLParseError {
        YAMLParseError(line: (line ?? index) + 1, message: message)
    }

    static func indent(_ line: String) -> Int { line.prefix { $0 == " " }.count }

    /// The line without a trailing comment (outside quotes) and trailing spaces.
    static func content(_ line: String) -> String {
        var quote: Character? = nil
        var previous: Character = " "
        var out = ""
        for c in line {
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                if previous == " " || previous == "[" || previous == "{" || previous == "," || previous == ":" || previous == "-" { quote = c }
            } else if c == "#" && (previous == " " || previous == "\t") {
                break
            }
            out.append(c)
            previous = c
        }
        while out.last == " " || out.last == "\t" { out.removeLast() }
        return out
    }

    func isBlank(_ i: Int) -> Bool {
        let c = Self.content(lines[i])
        return c.allSatisfy { $0 == " " } || c.trimmingLeadingSpaces().hasPrefix("#")
    }

    mutating func skipBlank() {
        while index < lines.count && isBlank(index) { index += 1 }
    }

    mutating func document() throws(YAMLParseError) -> JSONValue {
        // Document markers.
        var start = 0
        var end = lines.count
        var seenContent = false
        for i in 0..<lines.count {
            let line = lines[i]
            if line == "---" || line.hasPrefix("--- ") || line == "..." {
                if line.hasPrefix("--- ") && !Self.content(String(line.dropFirst(4))).isEmpty {
                    throw fail("content after \"---\" is not supported", line: i)
                }
                if line == "..." { end = i; break }
                if seenContent {
                    // A second document: allowed only when nothing follows.
                    for j in (i + 1)..<lines.count where !isBlank(j) && lines[j] != "---" && lines[j] != "..." {
                        throw fail("the body holds more than one YAML document", line: j)
                    }
                    end = i
                    break
                }
                start = i + 1
            } else if !isBlank(i) {
                seenContent = true
            }
        }
        lines = Array(lines[..<end])
        index = start
        skipBlank()
        guard index < lines.count else { return .null }
        let first = lines[index]
        if first.first == "\t" { throw fail("tabs may not be used for indentation") }
        let value = try block(indent: Self.indent(first))
        skipBlank()
        if index < lines.count { throw fail("unexpected content (check the indentation)") }
        return value
    }

    /// Parses the block node starting at the current (non-blank) line, indented `indent`.
    mutating func block(indent: Int) throws(YAMLParseError) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        if depth > maximumDepth { throw fail("nesting too deep") }
        let body = Self.content(lines[index]).dropFirst(indent)
        if body == "?" || body.hasPrefix("? ") { throw fail("complex mapping keys are not supported") }
        if body == "-" || body.hasPrefix("- ") { return try sequence(indent: indent) }
        if Self.mappingColon(String(body)) != nil { return try mapping(indent: indent) }
        // A lone scalar or flow collection.
        let text = String(body)
        let line = index
        index += 1
        return try inlineValue(text, parentIndent: indent - 1, line: line)
    }

    mutating func sequence(indent: Int) throws(YAMLParseError) -> JSONValue {
        var items: [JSONValue] = []
        while true {
            skipBlank()
            guard index < lines.count else { break }
            let line = lines[index]
            let lineIndent = Self.indent(line)
            let body = Self.content(line).dropFirst(lineIndent)
            if lineIndent < indent { break }
            guard lineIndent == indent, body == "-" || body.hasPrefix("- ") else {
                if lineIndent == indent { break }
                throw fail("unexpected indentation in a list")
            }
            let rest = body.dropFirst().drop { $0 == " " }
            if rest.isEmpty {
                index += 1
                skipBlank()
                if index < lines.count, Self.indent(lines[index]) > indent {
                    items.append(try block(indent: Self.indent(lines[index])))
                } else {
                    items.append(.null)
                }
                continue
            }
            let column = lineIndent + (body.count - rest.count)
            let restText = String(rest)
            if restText == "-" || restText.hasPrefix("- ") || (Self.mappingColon(restText)) != nil {
                // A nested block starting on the item's line: re-read it at its own column.
                lines[index] = String(repeating: " ", count: column) + restText
                items.append(try block(indent: column))
            } else {
                let lineNumber = index
                index += 1
                items.append(try inlineValue(restText, parentIndent: indent, line: lineNumber))
            }
        }
        return .array(items)
    }

    mutating func mapping(indent: Int) throws(YAMLParseError) -> JSONValue {
        var members = OrderedDictionary<String, JSONValue>()
        while true {
            skipBlank()
            guard index < lines.count else { break }
            let line = lines[index]
            let lineIndent = Self.indent(line)
            if lineIndent < indent { break }
            if lineIndent > indent { throw fail("unexpected indentation in a mapping") }
            if line.prefix(lineIndent + 1).last == "\t" { throw fail("tabs may not be used for indentation") }
            let body = String(Self.content(line).dropFirst(lineIndent))
            if body == "-" || body.hasPrefix("- ") { break }
            guard let colon = Self.mappingColon(body) else { throw fail("expected a \"key: value\" line") }
            let keyText = String(body[..<colon]).trimmingTrailingSpaces()
            let key = try scalarKey(keyText)
            if members[key] != nil { throw fail("mapping key \(PathElement.text(.string(key))) already defined") }
            let valueText = String(body[body.index(after: colon)...]).trimmingLeadingSpaces()
            let lineNumber = index
            index += 1
            if valueText.isEmpty {
                skipBlank()
                if index < lines.count {
                    let nextIndent = Self.indent(lines[index])
                    let nextBody = Self.content(lines[index]).dropFirst(nextIndent)
                    if nextIndent > indent {
                        members[key] = try block(indent: nextIndent)
                        continue
                    }
                    if nextIndent == indent && (nextBody == "-" || nextBody.hasPrefix("- ")) {
                        members[key] = try sequence(indent: indent)
                        continue
                    }
                }
                members[key] = .null
            } else {
                members[key] = try inlineValue(valueText, parentIndent: indent, line: lineNumber)
            }
        }
        return .object(members)
    }

    func scalarKey(_ text: String) throws(YAMLParseError) -> String {
        if text.hasPrefix("? ") || text == "?" { throw fail("complex mapping keys are not supported") }
        if text.hasPrefix("&") || text.hasPrefix("*") { throw fail("anchors and aliases are not supported") }
        if text.hasPrefix("\"") || text.hasPrefix("'") {
            var flow = FlowParser(text: text, line: index)
            let value = try flow.quoted()
            flow.skipSpaces()
            if !flow.atEnd { throw fail("unexpected text after a quoted key") }
            return value
        }
        if text.isEmpty { throw fail("empty mapping key") }
        return text
    }

    /// The index of the `:` that makes `body` a `key: value` line, if any.
    static func mappingColon(_ body: String) -> String.Index? {
        guard let first = body.first, first != "[", first != "{", first != "|", first != ">" else { return nil }
        var quote: Character? = nil
        if first == "\"" || first == "'" { quote = first }
        var i = body.index(after: body.startIndex)
        if quote == nil { i = body.startIndex }
        while i < body.endIndex {
            let c = body[i]
            if let q = quote {
                if c == q {
                    let next = body.index(after: i)
                    if q == "'" && next < body.endIndex && body[next] == "'" { i = body.index(after: next); continue }
                    quote = nil
                } else if c == "\\" && q == "\"" {
                    i = body.index(after: i)
                    if i == body.endIndex { break }
                }
            } else if c == ":" {
                let next = body.index(after: i)
                if next == body.endIndex || body[next] == " " { return i }
            }
            i = body.index(after: i)
        }
        return nil
    }

    /// A value given on the line of its key or list dash: a scalar, a flow collection or
    /// the header of a block scalar; may continue on more-indented lines.
    mutating func inlineValue(_ raw: String, parentIndent: Int, line: Int) throws(YAMLParseError) -> JSONValue {
        var text = raw
        var tag: String? = nil
        if text.hasPrefix("&") || text.hasPrefix("*") { throw fail("anchors and aliases are not supported", line: line) }
        if text.hasPrefix("!") {
            let name = String(text.prefix { $0 != " " })
            guard ["!!str", "!!int", "!!float", "!!bool", "!!null", "!!map", "!!seq"].contains(name) else {
                throw fail("unsupported tag \(name)", line: line)
            }
            tag = name
            text = String(text.dropFirst(name.count)).trimmingLeadingSpaces()
        }
        let value: JSONValue
        if text.hasPrefix("|") || text.hasPrefix(">") {
            value = .string(try blockScalar(header: text, parentIndent: parentIndent, line: line))
        } else if text.hasPrefix("[") || text.hasPrefix("{") || text.hasPrefix("\"") || text.hasPrefix("'") {
            // Gather continuation lines until the flow value parses.
            var source = text
            while true {
                var flow = FlowParser(text: source, line: line)
                do throws(YAMLParseError) {
                    let parsed = try flow.value(top: true)
                    flow.skipSpaces()
                    if !flow.atEnd { throw fail("unexpected text after a value", line: line) }
                    value = parsed
                    break
                } catch {
                    guard error.message == FlowParser.incomplete else { throw error }
                    skipBlank()
                    guard index < lines.count, Self.indent(lines[index]) > parentIndent || lines[index].isEmpty else {
                        throw fail("unterminated quoted scalar or flow collection", line: line)
                    }
                    source += " " + Self.content(lines[index]).trimmingLeadingSpaces()
                    index += 1
                }
            }
        } else {
            // A plain scalar, possibly folded over more-indented lines.
            var folded = text
            while index < lines.count, !isBlank(index), Self.indent(lines[index]) > parentIndent {
                let next = Self.content(lines[index]).trimmingLeadingSpaces()
                if (Self.mappingColon(next)) != nil || next.hasPrefix("- ") { break }
                folded += " " + next
                index += 1
            }
            if folded.contains(": ") || folded.hasSuffix(":") { throw fail("mapping values are not allowed in this context", line: line) }
            value = tag == nil ? YAMLParser.resolvePlain(folded) : .string(folded)
        }
        return try Self.applyTag(tag, value, line: line)
    }

    static func applyTag(_ tag: String?, _ value: JSONValue, line: Int) throws(YAMLParseError) -> JSONValue {
        guard let tag else { return value }
        let text: String? = value.stringValue
        switch tag {
        case "!!str":
            switch value {
            case .string: return value
            default: return .string(PathElement.text(value))
            }
        case "!!int":
            if let text, case .int(let i) = YAMLParser.resolvePlain(text) { return .int(i) }
            if case .int = value { return value }
        case "!!float":
            if let text, let d = Double(text) { return .double(d) }
            if case .double = value { return value }
            if case .int(let i) = value { return .double(Double(i)) }
        case "!!bool":
            if let text, case .bool(let b) = YAMLParser.resolvePlain(text) { return .bool(b) }
            if case .bool = value { return value }
        case "!!null":
            return .null
        case "!!map":
            if case .object = value { return value }
        case "!!seq":
            if case .array = value { return value }
        default: break
        }
        throw YAMLParseError(line: line + 1, message: "the value does not match its tag \(tag)")
    }

    /// A literal (`|`) or folded (`>`) block scalar whose lines are indented more than `parentIndent`.
    mutating func blockScalar(header: String, parentIndent: Int, line: Int) throws(YAMLParseError) -> String {
        let literal = header.first == "|"
        var chomp: Character = " "
        var explicit: Int? = nil
        for c in Self.content(header).dropFirst() {
            if c == "-" || c == "+" { chomp = c } else if let d = c.wholeNumberValue, d > 0 { explicit = d } else if c != " " {
                throw fail("invalid block scalar header \(PathElement.text(.string(header)))", line: line)
            }
        }
        var contentIndent: Int? = explicit.map { max(parentIndent, 0) + $0 }
        if parentIndent < 0, let e = explicit { contentIndent = e }
        var collected: [String] = []
        while index < lines.count {
            let raw = lines[index]
            let blank = raw.allSatisfy { $0 == " " }
            if blank {
                collected.append("")
                index += 1
                continue
            }
            let lineIndent = Self.indent(raw)
            if contentIndent == nil {
                if lineIndent <= parentIndent { break }
                contentIndent = lineIndent
            }
            if lineIndent < contentIndent! { break }
            collected.append(String(raw.dropFirst(contentIndent!)))
            index += 1
        }
        // Trailing blank lines belong to the chomping.
        var trailing = 0
        while let last = collected.last, last.isEmpty { collected.removeLast(); trailing += 1 }
        var text: String
        if literal {
            text = collected.joined(separator: "\n")
        } else {
            text = ""
            var previousMoreIndented = false
            for (offset, line) in collected.enumerated() {
                let moreIndented = line.first == " "
                if offset == 0 {
                    text = line
                } else if line.isEmpty {
                    text += "\n"
                } else if moreIndented || previousMoreIndented || collected[offset - 1].isEmpty {
                    text += (collected[offset - 1].isEmpty ? "" : "\n") + line
                } else {
                    text += " " + line
                }
                previousMoreIndented = moreIndented
            }
        }
        if collected.isEmpty { return chomp == "+" ? String(repeating: "\n", count: trailing) : "" }
        switch chomp {
        case "-": break
        case "+": text += "\n" + String(repeating: "\n", count: trailing)
        default: text += "\n"
        }
        return text
    }
}

/// Parses flow collections and quoted scalars from one (joined) string.
struct FlowParser {
    static let incomplete = "incomplete flow value"
    let chars: [Character]
    var position = 0
    let line: Int
    var depth = 0

    init(text: String, line: Int) {
        chars = Array(text)
        self.line = line
    }

    var atEnd: Bool { position >= chars.count }

    func fail(_ message: String) -> YAMLParseError { YAMLParseError(line: line + 1, message: message) }

    mutating func skipSpaces() {
        while position < chars.count && (chars[position] == " " || chars[position] == "\t") { position += 1 }
    }

    mutating func value(top: Bool = false) throws(YAMLParseError) -> JSONValue {
        skipSpaces()
        guard position < chars.count else { throw fail(Self.incomplete) }
        depth += 1
        defer { depth -= 1 }
        if depth > 256 { throw fail("nesting too deep") }
        switch chars[position] {
        case "[":
            position += 1
            var items: [JSONValue] = []
            while true {
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "]" { position += 1; return .array(items) }
                items.append(try value())
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "," { position += 1; continue }
                if chars[position] == "]" { position += 1; return .array(items) }
                throw fail("expected \",\" or \"]\" in a flow sequence")
            }
        case "{":
            position += 1
            var members = OrderedDictionary<String, JSONValue>()
            while true {
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "}" { position += 1; return .object(members) }
                let key: String
                if chars[position] == "\"" || chars[position] == "'" {
                    key = try quoted()
                } else {
                    key = plain(stopAtColon: true)
                }
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                var member: JSONValue = .null
                if chars[position] == ":" {
                    position += 1
                    skipSpaces()
                    guard position < chars.count else { throw fail(Self.incomplete) }
                    if chars[position] != "," && chars[position] != "}" { member = try value() }
                }
                members[key] = member
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "," { position += 1; continue }
                if chars[position] == "}" { position += 1; return .object(members) }
                throw fail("expected \",\" or \"}\" in a flow mapping")
            }
        case "\"", "'":
            return .string(try quoted())
        default:
            if top { throw fail("expected a flow value") }
            return YAMLParser.resolvePlain(plain(stopAtColon: false))
        }
    }

    mutating func plain(stopAtColon: Bool) -> String {
        var out = ""
        while position < chars.count {
            let c = chars[position]
            if c == "," || c == "]" || c == "}" || c == "[" || c == "{" { break }
            if c == ":" && (stopAtColon || position + 1 >= chars.count || chars[position + 1] == " ") { break }
            out.append(c)
            position += 1
        }
        return out.trimmingTrailingSpaces()
    }

    mutating func quoted() throws(YAMLParseError) -> String {
        let q = chars[position]
        position += 1
        var out = ""
        while true {
            guard position < chars.count else { throw fail(Self.incomplete) }
            let c = chars[position]
            position += 1
            if c == q {
                if q == "'" && position < chars.count && chars[position] == "'" {
                    out.append("'")
                    position += 1
                    continue
                }
                return out
            }
            if c == "\\" && q == "\"" {
                guard position < chars.count else { throw fail(Self.incomplete) }
                let e = chars[position]
                position += 1
                switch e {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "0": out.append("\u{0}")
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "/": out.append("/")
                case " ": out.append(" ")
                case "e": out.append("\u{1B}")
                case "x", "u", "U":
                    let count = e == "x" ? 2 : (e == "u" ? 4 : 8)
                    guard position + count <= chars.count, let code = UInt32(String(chars[position..<(position + count)]), radix: 16),
                          let scalar = Unicode.Scalar(code)
                    else { throw fail("invalid escape in a double-quoted scalar") }
                    out.unicodeScalars.append(scalar)
                    position += count
                default:
                    throw fail("invalid escape \"\\\(e)\" in a double-quoted scalar")
                }
                continue
            }
            out.append(c)
        }
    }
}

extension StringProtocol {
    func trimmingLeadingSpaces() -> String { String(drop { $0 == " " || $0 == "\t" }) }
    func trimmingTrailingSpaces() -> String {
        var s = String(self)
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return s
    }
}
