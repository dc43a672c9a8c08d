/// Why a JSON document could not be parsed, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The zero-based byte offset in the input at which the problem was found.
    public var offset: Int
    /// A human-readable explanation, without the offset.
    public var message: String

    /// Creates an error at a byte offset.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    /// The message followed by the offset, such as `unexpected character 'x' at byte offset 3`.
    public var description: String { "\(message) at byte offset \(offset)" }
}

/// What the JSON parser does when an object names the same member twice.
public enum JSONDuplicateKeyPolicy: Sendable, Hashable {
    /// The last value is kept, at the position where the key first appeared (like Go's `encoding/json`).
    case lastWins
    /// The document is rejected with a ``JSONParseError`` pointing at the repeated key.
    case reject
}
