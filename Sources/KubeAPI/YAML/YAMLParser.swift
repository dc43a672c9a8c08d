/// The YAML parser for Kubernetes manifests, kubeconfigs and K3s config files: one document
/// into a ``JSONValue`` (``parse(_:)-(String)``), or into ``YAMLNode``s that keep each node's
/// line and style (``parseNode(_:)``).
///
/// Accepts block mappings and sequences (including sequences at their key's indentation and
/// `- key: value` items), flow collections (`[a, b]`, `{a: 1}`, across lines, with comments),
/// plain, single-quoted (`''` for a quote) and double-quoted scalars (the YAML escapes `\n`
/// `\t` `\"` `\\` `\/` `\xNN` `\uNNNN` `\UNNNNNNNN` and the rest; multi-line ones fold
/// as YAML says, an escaped line break joins), literal and folded block scalars
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
        try parseNode(text)?.resolved() ?? .null
    }

    /// Parses a document into its nodes as written, with the line of each node and key.
    ///
    /// - Returns: the root node, or `nil` for a document without content.
    /// - Throws: ``YAMLParseError`` naming the line for malformed or unsupported input.
    public static func parseNode(_ text: String) throws(YAMLParseError) -> YAMLNode? {
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

    /// The line without a trailing comment (outside quotes) and, unless a quoted scalar is
    /// still open at its end, without trailing spaces.
    static func content(_ line: String) -> String {
        var quote: Character? = nil
        var previous: Character = " "
        var index = line.startIndex
        var end = line.endIndex
        while index < line.endIndex {
            let c = line[index]
            var next = line.index(after: index)
            if let q = quote {
                if q == "\"" && c == "\\" && next < line.endIndex {
                    // An escaped character never closes the quote.
                    next = line.index(after: next)
                } else if c == q {
                    if q == "'" && next < line.endIndex && line[next] == "'" {
                        next = line.index(after: next)
                    } else {
                        quote = nil
                    }
                }
            } else if c == "\"" || c == "'" {
                if " \t[{,:-".contains(previous) { quote = c }
            } else if c == "#" && (previous == " " || previous == "\t") {
                end = index
                break
            }
            previous = line[line.index(before: next)]
            index = next
        }
        var out = line[..<end]
        if quote == nil {
            while out.last == " " || out.last == "\t" { out.removeLast() }
        }
        return String(out)
    }

    func isBlank(_ i: Int) -> Bool {
        let c = Self.content(lines[i])
        return c.allSatisfy { $0 == " " } || c.trimmingLeadingSpaces().hasPrefix("#")
    }

    mutating func skipBlank() {
        while index < lines.count && isBlank(index) { index += 1 }
    }

    /// Skips blank lines; the next line and its indentation, or `nil` at the end.
    mutating func nextContentLine() -> (line: String, indent: Int)? {
        skipBlank()
        guard index < lines.count else { return nil }
        return (lines[index], Self.indent(lines[index]))
    }

    mutating func document() throws(YAMLParseError) -> YAMLNode? {
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
                        throw fail("only one YAML document is allowed, and a second one starts here", line: i)
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
        guard index < lines.count else { return nil }
        let first = lines[index]
        if first.first == "\t" { throw fail("tabs may not be used for indentation") }
        let value = try block(indent: Self.indent(first))
        skipBlank()
        if index < lines.count { throw fail("unexpected content (check the indentation)") }
        return value
    }

    /// Parses the block node starting at the current (non-blank) line, indented `indent`.
    mutating func block(indent: Int) throws(YAMLParseError) -> YAMLNode {
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

    mutating func sequence(indent: Int) throws(YAMLParseError) -> YAMLNode {
        var items: [YAMLNode] = []
        let startLine = index + 1
        while true {
            guard let (line, lineIndent) = nextContentLine() else { break }
            let body = Self.content(line).dropFirst(lineIndent)
            if lineIndent < indent { break }
            guard lineIndent == indent, body == "-" || body.hasPrefix("- ") else {
                if lineIndent == indent { break }
                if body == "-" || body.hasPrefix("- ") {
                    throw fail("list items must line up (expected \(indent) spaces of indentation)")
                }
                throw fail("unexpected indentation in a list")
            }
            let rest = body.dropFirst().drop { $0 == " " }
            if rest.isEmpty {
                let dashLine = index + 1
                index += 1
                skipBlank()
                if index < lines.count, Self.indent(lines[index]) > indent {
                    items.append(try block(indent: Self.indent(lines[index])))
                } else {
                    items.append(YAMLNode(.scalar("", .plain), line: dashLine))
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
        return YAMLNode(.sequence(items), line: startLine)
    }

    mutating func mapping(indent: Int) throws(YAMLParseError) -> YAMLNode {
        var members: [YAMLNode.Member] = []
        var keyLines: [String: Int] = [:]
        let startLine = index + 1
        while true {
            guard let (line, lineIndent) = nextContentLine() else { break }
            if lineIndent < indent { break }
            if lineIndent > indent { throw fail("unexpected indentation in a mapping") }
            if line.prefix(lineIndent + 1).last == "\t" { throw fail("tabs may not be used for indentation") }
            let body = String(Self.content(line).dropFirst(lineIndent))
            if body == "-" || body.hasPrefix("- ") { break }
            guard let colon = Self.mappingColon(body) else { throw fail("expected a \"key: value\" line") }
            let keyText = String(body[..<colon]).trimmingTrailingSpaces()
            let key = try scalarKey(keyText)
            if let first = keyLines[key] {
                throw fail("duplicate key \(PathElement.text(.string(key))) (first set on line \(first))")
            }
            keyLines[key] = index + 1
            let valueText = String(body[body.index(after: colon)...]).trimmingLeadingSpaces()
            let lineNumber = index
            index += 1
            let value: YAMLNode
            if valueText.isEmpty {
                skipBlank()
                let nextIndent = index < lines.count ? Self.indent(lines[index]) : -1
                let nextBody = index < lines.count ? Self.content(lines[index]).dropFirst(max(nextIndent, 0)) : ""
                if nextIndent > indent {
                    value = try block(indent: nextIndent)
                } else if nextIndent == indent && (nextBody == "-" || nextBody.hasPrefix("- ")) {
                    value = try sequence(indent: indent)
                } else {
                    value = YAMLNode(.scalar("", .plain), line: lineNumber + 1)
                }
            } else {
                value = try inlineValue(valueText, parentIndent: indent, line: lineNumber)
            }
            members.append(YAMLNode.Member(key: key, line: lineNumber + 1, value: value))
        }
        return YAMLNode(.mapping(members), line: startLine)
    }

    func scalarKey(_ text: String) throws(YAMLParseError) -> String {
        if text.hasPrefix("? ") || text == "?" { throw fail("complex mapping keys are not supported") }
        if text.hasPrefix("&") || text.hasPrefix("*") { throw fail("anchors and aliases are not supported") }
        if text.hasPrefix("\"") || text.hasPrefix("'") {
            var flow = FlowParser(text: text, line: index)
            let value = try flow.quoted().text
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
    mutating func inlineValue(_ raw: String, parentIndent: Int, line: Int) throws(YAMLParseError) -> YAMLNode {
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
        var node: YAMLNode
        if text.hasPrefix("|") || text.hasPrefix(">") {
            let style: YAMLNode.ScalarStyle = text.hasPrefix("|") ? .literal : .folded
            node = YAMLNode(.scalar(try blockScalar(header: text, parentIndent: parentIndent, line: line), style), line: line + 1)
        } else if let opener = text.first, "[{\"'".contains(opener) {
            // Gather continuation lines (blank and comment lines too: inside quotes they are
            // content) until the flow value parses.
            var source = text
            while true {
                var flow = FlowParser(text: source, line: line)
                do throws(YAMLParseError) {
                    let parsed = try flow.value(top: true)
                    flow.skipSpaces()
                    if !flow.atEnd { throw flow.fail("unexpected text after a value") }
                    node = parsed
                    break
                } catch {
                    guard error.message == FlowParser.incomplete else { throw error }
                    guard index < lines.count, isBlank(index) || Self.indent(lines[index]) > parentIndent else {
                        throw fail(Self.unterminated(opener), line: line)
                    }
                    source += "\n" + lines[index]
                    index += 1
                }
            }
        } else {
            // A plain scalar, possibly folded over more-indented lines.
            if let first = text.first, first == "@" || first == "`" {
                throw fail("a plain value may not start with \"\(first)\"; quote it", line: line)
            }
            var folded = text
            while index < lines.count, !isBlank(index), Self.indent(lines[index]) > parentIndent {
                let next = Self.content(lines[index]).trimmingLeadingSpaces()
                if (Self.mappingColon(next)) != nil || next.hasPrefix("- ") { break }
                folded += " " + next
                index += 1
            }
            if folded.contains(": ") || folded.hasSuffix(":") {
                throw fail("mapping values are not allowed in this context: quote the value if it contains \": \"", line: line)
            }
            node = YAMLNode(.scalar(folded, .plain), line: line + 1)
        }
        node.tag = tag
        return node
    }

    /// The error for a flow value or quoted scalar that starts with `opener` and never ends.
    static func unterminated(_ opener: Character) -> String {
        let (what, closer) = switch opener {
        case "[": ("flow sequence", "\"]\"")
        case "{": ("flow mapping", "\"}\"")
        case "'": ("single-quoted scalar", "the closing quote")
        default: ("double-quoted scalar", "the closing quote")
        }
        return "unterminated \(what): \(closer) must follow on the same line or on more-indented lines"
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

/// Parses flow collections and quoted scalars from one string: the value's first line and its
/// continuation lines, joined with line feeds.
struct FlowParser {
    static let incomplete = "incomplete flow value"
    let chars: [Character]
    var position = 0
    /// The 0-based line of the first character.
    let line: Int
    /// The positions of the line feeds in `chars`, in order.
    let lineBreaks: [Int]
    var depth = 0

    init(text: String, line: Int) {
        let characters = Array(text)
        chars = characters
        self.line = line
        lineBreaks = characters.indices.filter { characters[$0] == "\n" }
    }

    var atEnd: Bool { position >= chars.count }

    /// The 1-based line of the character at `offset`.
    func lineNumber(at offset: Int) -> Int {
        var low = 0
        var high = lineBreaks.count
        while low < high {
            let middle = (low + high) / 2
            if lineBreaks[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return line + 1 + low
    }

    func fail(_ message: String) -> YAMLParseError {
        YAMLParseError(line: lineNumber(at: min(position, max(chars.count - 1, 0))), message: message)
    }

    static func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" }

    /// Skips white space, line breaks and comments.
    mutating func skipSpaces() {
        while position < chars.count {
            let c = chars[position]
            if Self.isSpace(c) || c == "\n" {
                position += 1
            } else if c == "#" && (position == 0 || Self.isSpace(chars[position - 1]) || chars[position - 1] == "\n") {
                while position < chars.count && chars[position] != "\n" { position += 1 }
            } else {
                break
            }
        }
    }

    mutating func value(top: Bool = false) throws(YAMLParseError) -> YAMLNode {
        skipSpaces()
        guard position < chars.count else { throw fail(Self.incomplete) }
        depth += 1
        defer { depth -= 1 }
        if depth > 256 { throw fail("nesting too deep") }
        let start = lineNumber(at: position)
        switch chars[position] {
        case "[":
            position += 1
            var items: [YAMLNode] = []
            while true {
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "]" { position += 1; return YAMLNode(.sequence(items), line: start) }
                if chars[position] == "," { throw fail("empty item in a flow sequence") }
                items.append(try value())
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "," { position += 1; continue }
                if chars[position] == "]" { position += 1; return YAMLNode(.sequence(items), line: start) }
                throw fail("expected \",\" or \"]\" in a flow sequence")
            }
        case "{":
            position += 1
            var members: [YAMLNode.Member] = []
            var keys: Set<String> = []
            while true {
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "}" { position += 1; return YAMLNode(.mapping(members), line: start) }
                let keyLine = lineNumber(at: position)
                let key: String
                if chars[position] == "\"" || chars[position] == "'" {
                    key = try quoted().text
                } else {
                    key = plain(stopAtColon: true)
                }
                guard keys.insert(key).inserted else {
                    throw fail("duplicate key \(PathElement.text(.string(key))) in a flow mapping")
                }
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                var member = YAMLNode(.scalar("", .plain), line: keyLine)
                if chars[position] == ":" {
                    position += 1
                    skipSpaces()
                    guard position < chars.count else { throw fail(Self.incomplete) }
                    if chars[position] != "," && chars[position] != "}" { member = try value() }
                }
                members.append(YAMLNode.Member(key: key, line: keyLine, value: member))
                skipSpaces()
                guard position < chars.count else { throw fail(Self.incomplete) }
                if chars[position] == "," { position += 1; continue }
                if chars[position] == "}" { position += 1; return YAMLNode(.mapping(members), line: start) }
                throw fail("expected \",\" or \"}\" in a flow mapping")
            }
        case "\"", "'":
            let (text, style) = try quoted()
            return YAMLNode(.scalar(text, style), line: start)
        default:
            if top { throw fail("expected a flow value") }
            if chars[position] == "@" || chars[position] == "`" {
                throw fail("a plain value may not start with \"\(chars[position])\"; quote it")
            }
            return YAMLNode(.scalar(plain(stopAtColon: false), .plain), line: start)
        }
    }

    /// The one-character escapes of double-quoted scalars, by the character after the backslash.
    static let escapes: [Character: Character] = [
        "0": "\u{0}", "a": "\u{7}", "b": "\u{8}", "t": "\t", "\t": "\t", "n": "\n", "v": "\u{B}", "f": "\u{C}",
        "r": "\r", "e": "\u{1B}", " ": " ", "\"": "\"", "/": "/", "\\": "\\", "N": "\u{85}", "_": "\u{A0}",
        "L": "\u{2028}", "P": "\u{2029}",
    ]

    /// Skips the white space and line breaks at `position`; returns how many line breaks.
    mutating func skipLineBreaks() -> Int {
        var breaks = 0
        while position < chars.count, Self.isSpace(chars[position]) || chars[position] == "\n" {
            if chars[position] == "\n" { breaks += 1 }
            position += 1
        }
        return breaks
    }

    /// What a line break folds into, given how many breaks (with blank lines between) there are:
    /// one becomes a space, more become one line feed fewer.
    static func folding(_ breaks: Int) -> String {
        breaks == 1 ? " " : String(repeating: "\n", count: breaks - 1)
    }

    mutating func plain(stopAtColon: Bool) -> String {
        var out = ""
        while position < chars.count {
            let c = chars[position]
            if c == "," || c == "]" || c == "}" || c == "[" || c == "{" { break }
            if c == ":" && (stopAtColon || position + 1 >= chars.count || Self.isSpace(chars[position + 1]) || chars[position + 1] == "\n") { break }
            if c == "#" && (out.last.map(Self.isSpace) ?? true) { break }
            if c == "\n" {
                // The scalar goes on over the line break unless the next line ends it.
                let lineEnd = position
                let breaks = skipLineBreaks()
                if position >= chars.count || ",]}#:".contains(chars[position]) {
                    position = lineEnd
                    break
                }
                while let last = out.last, Self.isSpace(last) { out.removeLast() }
                out += Self.folding(breaks)
                continue
            }
            out.append(c)
            position += 1
        }
        return out.trimmingTrailingSpaces()
    }

    /// A single- or double-quoted scalar starting at `position`, with its style. Line breaks
    /// fold (trailing and leading white space dropped); in double quotes, escapes are decoded
    /// and an escaped line break joins the lines.
    mutating func quoted() throws(YAMLParseError) -> (text: String, style: YAMLNode.ScalarStyle) {
        let q = chars[position]
        let style: YAMLNode.ScalarStyle = q == "'" ? .singleQuoted : .doubleQuoted
        position += 1
        var out = ""
        // Literal spaces and tabs at the end of `out`, which a line break removes.
        var trailingSpaces = 0
        /// Decodes the escape after a backslash into `out`.
        func escape() throws(YAMLParseError) {
            let e = chars[position]
            position += 1
            if let decoded = Self.escapes[e] {
                out.append(decoded)
                return
            }
            switch e {
            case "\n":
                // An escaped line break: the lines join without a space; blank lines after it
                // are still line feeds.
                while position < chars.count, Self.isSpace(chars[position]) { position += 1 }
                while position < chars.count, chars[position] == "\n" {
                    out.append("\n")
                    position += 1
                    while position < chars.count, Self.isSpace(chars[position]) { position += 1 }
                }
            case "x", "u", "U":
                let count = e == "x" ? 2 : (e == "u" ? 4 : 8)
                guard position + count <= chars.count else { throw fail(Self.incomplete) }
                let digits = chars[position..<(position + count)]
                guard digits.allSatisfy({ $0.isASCII && $0.isHexDigit }), let code = UInt32(String(digits), radix: 16) else {
                    throw fail("the escape \"\\\(e)\" needs \(count) hexadecimal digits")
                }
                guard let scalar = Unicode.Scalar(code) else {
                    throw fail("the escape \"\\\(e)\(String(digits))\" is not a Unicode character")
                }
                out.unicodeScalars.append(scalar)
                position += count
            default:
                throw fail("unknown escape \"\\\(e)\" in a double-quoted scalar")
            }
        }

        while true {
            guard position < chars.count else { throw fail(Self.incomplete) }
            let c = chars[position]
            position += 1
            if c == q {
                if q == "'" && position < chars.count && chars[position] == "'" {
                    out.append("'")
                    trailingSpaces = 0
                    position += 1
                    continue
                }
                return (out, style)
            }
            if c == "\n" {
                while trailingSpaces > 0, let last = out.last, Self.isSpace(last) {
                    out.removeLast()
                    trailingSpaces -= 1
                }
                trailingSpaces = 0
                position -= 1
                out += Self.folding(skipLineBreaks())
                continue
            }
            if c == "\\" && q == "\"" {
                guard position < chars.count else { throw fail(Self.incomplete) }
                trailingSpaces = 0
                try escape()
                continue
            }
            out.append(c)
            trailingSpaces = Self.isSpace(c) ? trailingSpaces + 1 : 0
        }
    }
}
