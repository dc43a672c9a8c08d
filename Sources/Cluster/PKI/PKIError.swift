/// Why the cluster's certificates or keys could not be created or loaded.
public struct PKIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file concerned (or the certificate's name).
    public var file: String
    /// What went wrong.
    public var reason: String

    /// Creates an error.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
