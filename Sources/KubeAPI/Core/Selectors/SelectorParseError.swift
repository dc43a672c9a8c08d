/// Why a label or field selector could not be parsed or built.
public struct SelectorParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The selector text (or, for a structured selector, a rendering of the offending requirement).
    public var selector: String
    /// An explanation that names the offending part.
    public var message: String

    /// Creates an error.
    public init(selector: String, message: String) {
        self.selector = selector
        self.message = message
    }

    /// `unable to parse selector "<selector>": <message>`.
    public var description: String { "unable to parse selector \"\(selector)\": \(message)" }
}
