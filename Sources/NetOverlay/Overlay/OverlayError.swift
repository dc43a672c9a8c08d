/// Why an overlay step failed.
public struct OverlayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A readable message naming what was wrong.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
