/// A registries file that cannot be used: malformed YAML or an entry of the wrong shape.
public struct RegistriesConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The 1-based line at fault (0 when unknown).
    public var line: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file): line \(line): \(message)" : "\(file): \(message)"
    }
}
