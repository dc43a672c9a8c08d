/// Why text is not an IP address (``IPAddress/ParseError``) or a CIDR (``IPPrefix/ParseError``).
public struct IPParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the text was read as.
    public enum Subject: Sendable, Hashable {
        /// An address: `10.42.0.1`, `fd00::1`.
        case address
        /// A prefix: `10.42.0.0/16`.
        case prefix
    }

    /// What the text was read as.
    public var subject: Subject
    /// The text as given.
    public var text: String
    /// What is wrong with it.
    public var reason: String

    /// An error for `text`, read as `subject` and refused for `reason`.
    public init(_ subject: Subject, text: String, reason: String) {
        self.subject = subject
        self.text = text
        self.reason = reason
    }

    /// `invalid IP address "TEXT": REASON` or `invalid CIDR "TEXT": REASON`.
    public var description: String {
        "invalid \(subject == .address ? "IP address" : "CIDR") \"\(text)\": \(reason)"
    }
}
