/// Why an `EncryptionConfiguration` file was refused: the field path and what is wrong with it.
public struct EncryptionConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offending field (`resources[0].providers[1].aescbc.keys[0].secret`), empty for the
    /// document as a whole.
    public var field: String
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String {
        field.isEmpty ? "invalid encryption configuration: \(reason)" : "invalid encryption configuration: \(field): \(reason)"
    }
}
