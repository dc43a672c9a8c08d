/// A point in time with second precision, written in RFC 3339 form (`2024-05-01T12:00:00Z`).
///
/// Placeholder: keeps the text as written. The RFC 3339 parser replaces this.
public struct Time: Sendable, Hashable, Codable {
    /// The text as written.
    public var string: String

    /// Wraps an RFC 3339 timestamp.
    public init(_ string: String) { self.string = string }

    public init(from decoder: any Decoder) throws {
        string = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }
}

/// A point in time with microsecond precision (`2024-05-01T12:00:00.123456Z`), used by events and leases.
///
/// Placeholder: keeps the text as written. The RFC 3339 parser replaces this.
public struct MicroTime: Sendable, Hashable, Codable {
    /// The text as written.
    public var string: String

    /// Wraps an RFC 3339 timestamp with fractional seconds.
    public init(_ string: String) { self.string = string }

    public init(from decoder: any Decoder) throws {
        string = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }
}
