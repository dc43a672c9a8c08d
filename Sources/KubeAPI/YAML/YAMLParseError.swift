/// Why a YAML document was refused, with the 1-based line.
public struct YAMLParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The 1-based line (0 when the whole document is at fault).
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "yaml: line \(line): \(message)" : "yaml: \(message)" }
}
