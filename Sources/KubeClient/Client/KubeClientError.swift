/// A failure that is not an API `Status`: the answer could not be understood.
public struct KubeClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) { self.description = description }
}
