/// A value that could not be encrypted for, or decrypted from, the datastore. The message
/// names the storage key and the reason, never the value.
public struct EncryptionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
