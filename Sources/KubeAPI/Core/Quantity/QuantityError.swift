/// Why a quantity string could not be parsed.
public struct QuantityError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad class of problem.
    public enum Kind: Sendable, Hashable {
        /// The string was empty.
        case empty
        /// The text does not have the shape sign, digits, optional fraction, suffix.
        case invalidFormat
        /// The number is well formed but the suffix is not a known unit or exponent.
        case invalidSuffix
        /// The value cannot be represented (exponent beyond ±1000 or more than 38 significant digits).
        case outOfRange
    }

    /// The class of problem.
    public var kind: Kind
    /// The text that failed to parse.
    public var input: String
    /// An explanation of the problem.
    public var message: String

    /// Creates an error.
    public init(kind: Kind, input: String, message: String) {
        self.kind = kind
        self.input = input
        self.message = message
    }

    /// The pattern that the Kubernetes API server names when a quantity is malformed.
    public static let formatPattern = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

    static func format(_ input: String) -> QuantityError {
        QuantityError(
            kind: .invalidFormat, input: input,
            message: "quantities must match the regular expression '\(formatPattern)'")
    }

    /// `quantity "<input>": <message>`.
    public var description: String { "quantity \"\(input)\": \(message)" }
}
