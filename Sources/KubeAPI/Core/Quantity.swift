/// A fixed-point amount with a unit suffix, such as `100m`, `1Gi` or `1.5` (resource requests and limits).
///
/// Placeholder: keeps the text as written. The parser and canonical form replace this.
public struct Quantity: Sendable, Hashable, Codable {
    /// The text as written.
    public var string: String

    /// Wraps the text of a quantity.
    public init(_ string: String) { self.string = string }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { string = s; return }
        if let i = try? c.decode(Int64.self) { string = String(i); return }
        string = String(try c.decode(Double.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(string)
    }
}
