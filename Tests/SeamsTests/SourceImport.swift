import Foundation

/// One `import` line of a target's source file.
struct SourceImport: Hashable, Sendable, CustomStringConvertible {
    /// The importing target.
    var target: String
    /// The file, relative to the package root.
    var file: String
    /// The 1-based line number.
    var line: Int
    /// The imported module (for `import struct A.B`, `A`).
    var module: String

    var description: String { "\(file):\(line): import \(module)" }

    /// The imports in `source`, skipping comments and multi-line string literals. Handles
    /// attributes (`@testable`, `@preconcurrency`, ...), access levels (`public import`) and
    /// kinds (`import struct Module.Type`).
    static func scan(_ source: String, target: String, file: String) -> [SourceImport] {
        var result: [SourceImport] = []
        var inBlockComment = false
        var inMultilineString = false
        for (offset, rawLine) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingWhitespace()
            if inBlockComment {
                guard let end = line.range(of: "*/") else { continue }
                inBlockComment = false
                line = line[end.upperBound...].trimmingWhitespace()
            }
            let quotes = line.components(separatedBy: "\"\"\"").count - 1
            if inMultilineString {
                if quotes % 2 == 1 { inMultilineString = false }
                continue
            }
            if quotes % 2 == 1 { inMultilineString = true }
            if line.hasPrefix("/*"), !line.contains("*/") {
                inBlockComment = true
                continue
            }
            if let module = importedModule(line) {
                result.append(SourceImport(target: target, file: file, line: offset + 1, module: module))
            }
        }
        return result
    }

    static let accessLevels: Set<Substring> = ["public", "package", "internal", "fileprivate", "private"]
    static let kinds: Set<Substring> = ["typealias", "struct", "class", "enum", "protocol", "let", "var", "func"]

    /// The module an import declaration line names, or `nil` for any other line.
    static func importedModule(_ line: Substring) -> String? {
        var words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })[...]
        // Attributes, possibly with arguments: `@testable`, `@_spi(Name)`, `@preconcurrency`.
        while let first = words.first, first.hasPrefix("@") { words = words.dropFirst() }
        if let first = words.first, accessLevels.contains(first) { words = words.dropFirst() }
        guard words.first == "import" else { return nil }
        words = words.dropFirst()
        if let first = words.first, kinds.contains(first) { words = words.dropFirst() }
        guard let path = words.first else { return nil }
        let module = path.split(separator: ".").first.map(String.init) ?? ""
        guard let head = module.first, head.isLetter || head == "_",
              module.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        return module
    }
}
