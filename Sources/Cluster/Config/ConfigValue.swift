/// A value in a K3s config file: one scalar or a list of scalars, kept as text.
///
/// Booleans are normalised to `true` / `false` (YAML's `yes`/`on`/`True` and friends included)
/// unless quoted; numbers keep their spelling, so `write-kubeconfig-mode: 0644` stays `0644`.
public enum ConfigValue: Sendable, Hashable {
    /// A single value (`key: value`).
    case scalar(String)
    /// A list (`key: [a, b]` or `- item` lines).
    case list([String])

    /// The value as a list: a scalar is a list of one (an empty scalar is an empty list).
    public var items: [String] {
        switch self {
        case .scalar(let s): return s.isEmpty ? [] : [s]
        case .list(let l): return l
        }
    }
}

/// One `key: value` of a config file, with where it was written.
public struct ConfigEntry: Sendable, Hashable {
    /// The key without a trailing `+`.
    public var key: String
    /// The value.
    public var value: ConfigValue
    /// Whether the key ended in `+` (append to the value of an earlier file rather than
    /// replace it).
    public var appends: Bool
    /// The file the entry came from.
    public var file: String
    /// Its 1-based line number.
    public var line: Int
}

/// Why a config file was refused: names the file, the line and what was wrong.
public struct ConfigFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The 1-based line, or 0 when the whole file is at fault (for instance unreadable).
    public var line: Int
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String {
        line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)"
    }
}
