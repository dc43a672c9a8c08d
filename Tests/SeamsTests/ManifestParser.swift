import Foundation

/// Reads the target declarations of a `Package.swift` without running it: the `targets:` array
/// of the `Package(...)` call, each element's `name:`, `dependencies:`, `path:` and `exclude:`.
///
/// It understands the literal form this package uses (string names, `.product(name:package:)`,
/// `.target(name:)`, `.byName(name:)`) and throws, naming the target, on anything else (a
/// variable, a computed list), so that a manifest it cannot read fails the seams test instead
/// of passing it with nothing checked.
enum ManifestParser {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The targets declared in `manifest` (the text of a `Package.swift`).
    static func targets(in manifest: String) throws -> [DeclaredTarget] {
        let code = withoutComments(manifest)
        guard let call = code.range(of: "Package(") else { throw Failure(description: "no Package(...) call") }
        let arguments = try labelledArguments(enclosedBy: "(", in: code[...], from: call.upperBound)
        guard let targets = arguments["targets"] else { throw Failure(description: "Package(...) has no targets: argument") }
        return try elements(ofArray: targets).map(target)
    }

    /// One `.kind(name: ..., dependencies: [...], ...)` element of `targets:`.
    static func target(_ text: Substring) throws -> DeclaredTarget {
        let trimmed = text.drop { $0.isWhitespace }
        guard trimmed.first == ".", let open = trimmed.firstIndex(of: "(") else {
            throw Failure(description: "not a target declaration: \(text.prefix(80))")
        }
        let kind = String(trimmed[trimmed.index(after: trimmed.startIndex)..<open])
        let arguments = try labelledArguments(enclosedBy: "(", in: trimmed, from: trimmed.index(after: open))
        guard let nameText = arguments["name"], let name = stringLiteral(nameText) else {
            throw Failure(description: "a .\(kind)(...) without a literal name")
        }
        var dependencies: Set<String> = []
        if let list = arguments["dependencies"] {
            for element in try elements(ofArray: list) {
                guard let dependency = dependencyName(element) else {
                    throw Failure(description: "target \(name): cannot read the dependency \(element.trimmingWhitespace())")
                }
                dependencies.insert(dependency)
            }
        }
        var path: String?
        if let pathText = arguments["path"] {
            guard let literal = stringLiteral(pathText) else { throw Failure(description: "target \(name): path is not a literal") }
            path = literal
        }
        var exclude: [String] = []
        if let list = arguments["exclude"] {
            for element in try elements(ofArray: list) {
                guard let literal = stringLiteral(element) else { throw Failure(description: "target \(name): exclude is not literal") }
                exclude.append(literal)
            }
        }
        return DeclaredTarget(kind: kind, name: name, dependencies: dependencies, path: path, exclude: exclude)
    }

    /// `"X"`, `.product(name: "X", package: ...)`, `.target(name: "X")`, `.byName(name: "X")` → X.
    static func dependencyName(_ element: Substring) -> String? {
        let text = element.trimmingWhitespace()
        if text.first == "\"" { return stringLiteral(text) }
        guard text.first == ".", let open = text.firstIndex(of: "(") else { return nil }
        guard let arguments = try? labelledArguments(enclosedBy: "(", in: text, from: text.index(after: open)) else { return nil }
        return arguments["name"].flatMap(stringLiteral)
    }

    /// The arguments of a call or the elements of an array whose opening bracket is just before
    /// `start`, keyed by label (unlabelled ones are dropped).
    static func labelledArguments(enclosedBy opener: Character, in text: Substring, from start: String.Index) throws -> [String: Substring] {
        let body = try enclosed(in: text, from: start, opener: opener)
        var result: [String: Substring] = [:]
        for argument in splitTopLevel(body) {
            let trimmed = argument.drop { $0.isWhitespace }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let label = trimmed[..<colon]
            guard !label.isEmpty, label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
            result[String(label)] = trimmed[trimmed.index(after: colon)...]
        }
        return result
    }

    /// The elements of the array literal `text` (`[a, b, c]`).
    static func elements(ofArray text: Substring) throws -> [Substring] {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.first == "[" else { throw Failure(description: "expected an array literal, found \(trimmed.prefix(60))") }
        let body = try enclosed(in: trimmed, from: trimmed.index(after: trimmed.startIndex), opener: "[")
        return splitTopLevel(body).filter { !$0.trimmingWhitespace().isEmpty }
    }

    /// The text from `start` up to the bracket that closes the one opened just before it.
    static func enclosed(in text: Substring, from start: String.Index, opener: Character) throws -> Substring {
        var end: String.Index?
        walk(text, from: start) { index, character, depth in
            guard depth == 0, ")]}".contains(character) else { return true }
            end = index
            return false
        }
        guard let end else { throw Failure(description: "unbalanced \(opener) in Package.swift") }
        return text[start..<end]
    }

    /// `text` split at the commas outside brackets and strings.
    static func splitTopLevel(_ text: Substring) -> [Substring] {
        var parts: [Substring] = []
        var partStart = text.startIndex
        walk(text, from: text.startIndex) { index, character, depth in
            if character == ",", depth == 0 {
                parts.append(text[partStart..<index])
                partStart = text.index(after: index)
            }
            return true
        }
        parts.append(text[partStart...])
        return parts
    }

    /// Calls `visit` with each character of `text` from `start` that is outside string literals,
    /// and the bracket depth before it (0 at `start`); stops when `visit` returns false.
    static func walk(_ text: Substring, from start: String.Index, _ visit: (String.Index, Character, Int) -> Bool) {
        var depth = 0
        var inString = false
        var index = start
        while index < text.endIndex {
            let character = text[index]
            if inString {
                if character == "\\", text.index(after: index) < text.endIndex {
                    index = text.index(after: index)
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "\"" {
                inString = true
            } else {
                guard visit(index, character, depth) else { return }
                if "([{".contains(character) { depth += 1 } else if ")]}".contains(character) { depth -= 1 }
            }
            index = text.index(after: index)
        }
    }

    /// The value of a plain string literal (`"X"`), or `nil` for anything else.
    static func stringLiteral(_ text: Substring) -> String? {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.count >= 2, trimmed.first == "\"", trimmed.last == "\"" else { return nil }
        let inner = trimmed.dropFirst().dropLast()
        guard !inner.contains("\""), !inner.contains("\\") else { return nil }
        return String(inner)
    }

    /// `manifest` without `//` and `/* */` comments (string literals kept intact).
    static func withoutComments(_ manifest: String) -> String {
        var result = ""
        var inString = false
        var index = manifest.startIndex
        func next(_ i: String.Index) -> Character? {
            let after = manifest.index(after: i)
            return after < manifest.endIndex ? manifest[after] : nil
        }
        while index < manifest.endIndex {
            let character = manifest[index]
            if inString {
                result.append(character)
                if character == "\\", next(index) != nil {
                    index = manifest.index(after: index)
                    result.append(manifest[index])
                } else if character == "\"" {
                    inString = false
                }
            } else if character == "/", next(index) == "/" {
                while index < manifest.endIndex, manifest[index] != "\n" { index = manifest.index(after: index) }
                continue
            } else if character == "/", next(index) == "*" {
                guard let end = manifest[index...].range(of: "*/") else { break }
                index = end.upperBound
                result.append(" ")
                continue
            } else {
                if character == "\"" { inString = true }
                result.append(character)
            }
            index = manifest.index(after: index)
        }
        return result
    }
}

extension Substring {
    /// Without leading and trailing white space.
    func trimmingWhitespace() -> Substring {
        var text = self
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return text
    }
}
