/// A strict parser for the YAML subset K3s config files use: one mapping of flag names to
/// scalars or lists of scalars.
///
/// Accepted: comments, an optional leading `---`, plain, single- and double-quoted scalars,
/// booleans, numbers, block sequences (`- item`, indented or not) and one-line flow sequences
/// (`[a, "b"]`). Everything else YAML allows (nested mappings, block scalars, anchors,
/// aliases, tags, multi-line flow collections, several documents) is refused with the line
/// number, rather than half-understood. Duplicate keys within one file are refused too.
public struct ConfigFileParser: Sendable {
    /// The file name used in errors and entries.
    public var file: String

    /// Creates a parser that reports errors against `file`.
    public init(file: String) { self.file = file }

    /// Parses the text of one file into its entries, in file order.
    public func parse(_ text: String) throws(ConfigFileError) -> [ConfigEntry] {
        var entries: [ConfigEntry] = []
        var seen: [String: Int] = [:]
        // The key whose value is an indented block sequence being collected.
        var pendingKey: (key: String, appends: Bool, line: Int, items: [String], indent: Int?)?
        var sawContent = false

        func finishPending() {
            if let p = pendingKey {
                entries.append(ConfigEntry(
                    key: p.key, value: p.items.isEmpty ? .scalar("") : .list(p.items),
                    appends: p.appends, file: file, line: p.line
                ))
                pendingKey = nil
            }
        }

        // "\r\n" is one Character in Swift, so split on both forms.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        for (offset, rawLine) in lines.enumerated() {
            let lineNumber = offset + 1
            var line = Substring(rawLine)
            if line.last == "\r" { line.removeLast() }
            let content = try stripComment(line, line: lineNumber)
            if content.allSatisfy({ $0 == " " }) { continue }
            let indent = content.prefix { $0 == " " }.count
            if content.dropFirst(indent).first == "\t" || content.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw fail(lineNumber, "tabs may not be used for indentation")
            }
            let body = content.dropFirst(indent).trimmingTrailingSpaces()

            if indent == 0, body == "---" {
                if sawContent { throw fail(lineNumber, "only one YAML document is allowed") }
                continue
            }
            if indent == 0, body == "..." { continue }
            sawContent = true

            if body == "-" || body.hasPrefix("- ") {
                guard var p = pendingKey else {
                    throw fail(lineNumber, "a list item must follow a key, as in \"tls-san:\" then \"- name\"")
                }
                if let expected = p.indent, expected != indent {
                    throw fail(lineNumber, "list items must line up (expected \(expected) spaces of indentation)")
                }
                p.indent = indent
                let itemText = body.dropFirst(1).trimmingLeadingSpaces()
                if itemText.hasPrefix("- ") || itemText == "-" {
                    throw fail(lineNumber, "nested lists are not supported")
                }
                if itemText.isEmpty { throw fail(lineNumber, "empty list item") }
                let item = try scalar(itemText, line: lineNumber, inFlow: false)
                p.items.append(item)
                pendingKey = p
                continue
            }

            if indent > 0 {
                if pendingKey != nil, findMappingColon(body) != nil {
                    throw fail(lineNumber, "nested mappings are not supported: K3s config keys take a value or a list")
                }
                throw fail(lineNumber, "unexpected indentation")
            }
            finishPending()

            guard let colon = findMappingColon(body) else {
                throw fail(lineNumber, "expected \"key: value\"")
            }
            var key = String(body[..<colon])
            if key.first == "\"" || key.first == "'" {
                key = try scalar(Substring(key), line: lineNumber, inFlow: false)
            }
            guard !key.isEmpty else { throw fail(lineNumber, "empty key") }
            let appends = key.hasSuffix("+")
            if appends { key.removeLast() }
            if let previous = seen[key] {
                throw fail(lineNumber, "duplicate key \"\(key)\" (first set on line \(previous))")
            }
            seen[key] = lineNumber
            let valueText = body[body.index(after: colon)...].trimmingLeadingSpaces()
            if valueText.isEmpty {
                pendingKey = (key, appends, lineNumber, [], nil)
                continue
            }
            let value: ConfigValue
            if valueText.first == "[" {
                value = .list(try flowSequence(valueText, line: lineNumber))
            } else {
                value = .scalar(try scalar(valueText, line: lineNumber, inFlow: false))
            }
            entries.append(ConfigEntry(key: key, value: value, appends: appends, file: file, line: lineNumber))
        }
        finishPending()
        return entries
    }

    // MARK: - Pieces

    private func fail(_ line: Int, _ reason: String) -> ConfigFileError {
        ConfigFileError(file: file, line: line, reason: reason)
    }

    /// Removes a `#` comment that starts the line or follows a space, outside quotes.
    private func stripComment(_ line: Substring, line number: Int) throws(ConfigFileError) -> Substring {
        var quote: Character?
        var previous: Character = " "
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if let q = quote {
                if q == "\"", c == "\\" {
                    index = line.index(after: index)
                    if index < line.endIndex { index = line.index(after: index) }
                    previous = "x"
                    continue
                }
                if q == "'", c == "'" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "'" {
                        index = line.index(after: next)
                        previous = "x"
                        continue
                    }
                }
                if c == q { quote = nil }
            } else if c == "\"" || c == "'", previous == " " || previous == "[" || previous == "," || previous == ":" || previous == "-" {
                quote = c
            } else if c == "#", previous == " " || previous == "\t" {
                return line[..<index]
            }
            previous = c
            index = line.index(after: index)
        }
        return line
    }

    /// The index of the `:` that separates a key from its value (followed by a space or the
    /// end of the line), skipping a quoted key.
    private func findMappingColon(_ body: Substring) -> Substring.Index? {
        var index = body.startIndex
        if let q = body.first, q == "\"" || q == "'" {
            index = body.index(after: index)
            while index < body.endIndex, body[index] != q { index = body.index(after: index) }
            if index < body.endIndex { index = body.index(after: index) }
        }
        while index < body.endIndex {
            if body[index] == ":" {
                let next = body.index(after: index)
                if next == body.endIndex || body[next] == " " { return index }
            }
            index = body.index(after: index)
        }
        return nil
    }

    /// Decodes one scalar: quoted (with escapes) or plain (booleans normalised).
    private func scalar(_ text: Substring, line: Int, inFlow: Bool) throws(ConfigFileError) -> String {
        let text = text.trimmingLeadingSpaces().trimmingTrailingSpaces()
        guard let first = text.first else { return "" }
        switch first {
        case "\"":
            guard text.count >= 2, text.last == "\"", !text.dropLast().hasSuffixUnescapedQuoteInside() else {
                throw fail(line, "unterminated or malformed double-quoted string")
            }
            return try unescapeDoubleQuoted(text.dropFirst().dropLast(), line: line)
        case "'":
            guard text.count >= 2, text.last == "'" else {
                throw fail(line, "unterminated single-quoted string")
            }
            let inner = text.dropFirst().dropLast()
            guard let result = inner.replacingDoubledSingleQuotes() else { throw fail(line, "a single quote inside '...' must be doubled ('')") }
            return result
        case "|", ">":
            throw fail(line, "block scalars (| and >) are not supported; write the value on one line")
        case "&", "*", "!":
            throw fail(line, "anchors, aliases and tags are not supported")
        case "{":
            throw fail(line, "nested mappings are not supported: K3s config keys take a value or a list")
        case "[":
            throw fail(line, inFlow ? "nested lists are not supported" : "unexpected \"[\"")
        case "@", "`":
            throw fail(line, "a plain value may not start with \"\(first)\"; quote it")
        default:
            if !inFlow, findMappingColon(text) != nil {
                throw fail(line, "nested mappings are not supported: quote the value if it contains \": \"")
            }
            switch text {
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return "true"
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return "false"
            case "~", "null", "Null", "NULL": return ""
            default: return String(text)
            }
        }
    }

    /// Decodes `[a, "b", 'c']` on one line.
    private func flowSequence(_ text: Substring, line: Int) throws(ConfigFileError) -> [String] {
        let text = text.trimmingTrailingSpaces()
        guard text.last == "]" else {
            throw fail(line, "a [list] must close on the same line")
        }
        let inner = text.dropFirst().dropLast()
        var items: [String] = []
        var current = ""
        var quote: Character?
        var escaped = false
        for c in inner {
            if let q = quote {
                current.append(c)
                if escaped { escaped = false; continue }
                if q == "\"", c == "\\" { escaped = true; continue }
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "\"", "'":
                quote = c
                current.append(c)
            case ",":
                items.append(try flowItem(current, line: line))
                current = ""
            case "[", "]", "{", "}":
                throw fail(line, "nested collections are not supported inside [ ]")
            default:
                current.append(c)
            }
        }
        if quote != nil { throw fail(line, "unterminated quoted string inside [ ]") }
        let last = Substring(current).trimmingLeadingSpaces().trimmingTrailingSpaces()
        if !last.isEmpty || !items.isEmpty {
            // A trailing comma ("[a, b,]") is allowed, as in YAML.
            if !last.isEmpty { items.append(try flowItem(current, line: line)) }
        }
        return items
    }

    private func flowItem(_ text: String, line: Int) throws(ConfigFileError) -> String {
        let trimmed = Substring(text).trimmingLeadingSpaces().trimmingTrailingSpaces()
        if trimmed.isEmpty { throw fail(line, "empty item in [ ]") }
        return try scalar(trimmed, line: line, inFlow: true)
    }

    private func unescapeDoubleQuoted(_ text: Substring, line: Int) throws(ConfigFileError) -> String {
        var result = ""
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            guard c == "\\" else {
                if c == "\"" { throw fail(line, "unescaped \" inside a double-quoted string") }
                result.append(c)
                continue
            }
            guard let e = iterator.next() else { throw fail(line, "a double-quoted string ends in a lone backslash") }
            switch e {
            case "\\": result.append("\\")
            case "\"": result.append("\"")
            case "/": result.append("/")
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "0": result.append("\0")
            case " ": result.append(" ")
            case "u":
                var hex = ""
                for _ in 0..<4 { if let h = iterator.next() { hex.append(h) } }
                guard hex.count == 4, let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value) else {
                    throw fail(line, "\\u needs four hex digits naming a character")
                }
                result.unicodeScalars.append(scalar)
            default:
                throw fail(line, "unknown escape \\\(e) in a double-quoted string")
            }
        }
        return result
    }
}

extension Substring {
    func trimmingLeadingSpaces() -> Substring { drop { $0 == " " || $0 == "\t" } }

    func trimmingTrailingSpaces() -> Substring {
        var s = self
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return s
    }

    /// For `"...` minus its final quote: true if an unescaped quote occurs after the opening one.
    func hasSuffixUnescapedQuoteInside() -> Bool {
        var escaped = false
        for c in dropFirst() {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { return true }
        }
        return escaped
    }

    /// Turns `''` into `'`; `nil` if a lone `'` remains.
    func replacingDoubledSingleQuotes() -> String? {
        var result = ""
        var index = startIndex
        while index < endIndex {
            let c = self[index]
            if c == "'" {
                let next = self.index(after: index)
                guard next < endIndex, self[next] == "'" else { return nil }
                result.append("'")
                index = self.index(after: next)
                continue
            }
            result.append(c)
            index = self.index(after: index)
        }
        return result
    }
}
