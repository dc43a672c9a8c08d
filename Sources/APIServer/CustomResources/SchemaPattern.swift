/// A schema `pattern`: a regular expression that must match somewhere in a string (ECMA-262
/// semantics as far as Swift's regex syntax shares them, which covers the usual anchors,
/// classes and quantifiers).
public struct SchemaPattern: Sendable, Hashable {
    /// The expression as written in the schema.
    public let expression: String

    /// The pattern did not compile.
    public struct SyntaxError: Error, Sendable, Hashable {
        /// What the compiler said.
        public var message: String
    }

    /// Compiles `expression` once to check it.
    ///
    /// - Throws: ``SyntaxError`` when it is not a valid regular expression.
    public init(_ expression: String) throws(SyntaxError) {
        do {
            _ = try Regex(expression)
        } catch {
            throw SyntaxError(message: "\(error)")
        }
        self.expression = expression
    }

    /// Whether the expression matches somewhere in `text`.
    public func matches(_ text: String) -> Bool {
        guard let regex = try? Regex(expression) else { return false }
        return (try? regex.firstMatch(in: text)) != nil
    }
}
