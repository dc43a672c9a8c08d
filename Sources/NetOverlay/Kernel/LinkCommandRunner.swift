/// Runs network tools for an overlay: the seam between the overlays' decisions and the kernel.
/// ``IPRouteCommandRunner`` runs the real tools (optionally inside a named network namespace);
/// tests use a recording runner with canned output.
public protocol LinkCommandRunner: Sendable {
    /// Runs `command` and returns its standard output.
    ///
    /// - Throws: ``LinkCommandError`` when the tool cannot be started or exits non-zero (with
    ///   its standard error, so a caller can tell "does not exist" from other failures).
    func run(_ command: LinkCommand) async throws -> String
}

/// A network tool failed.
public struct LinkCommandError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The command.
    public var command: LinkCommand
    /// The exit status (`nil` when the tool could not be started or was killed).
    public var status: Int32?
    /// What the tool wrote to standard error.
    public var standardError: String

    /// Creates an error.
    public init(command: LinkCommand, status: Int32?, standardError: String) {
        self.command = command
        self.status = status
        self.standardError = standardError
    }

    /// The command, its status and its error output.
    public var description: String {
        let status = self.status.map { "exit status \($0)" } ?? "did not run"
        let trimmed = standardError.split(whereSeparator: \.isNewline).joined(separator: "; ")
        return "\(command) failed (\(status)): \(trimmed)"
    }
}
