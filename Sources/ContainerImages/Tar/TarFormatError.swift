/// A tar archive that cannot be read.
public struct TarFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset of the header at fault.
    public var offset: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "tar: at byte \(offset): \(message)" }
}
