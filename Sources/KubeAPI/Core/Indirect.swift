/// A value stored out of line, so that a struct can (optionally) contain its own type,
/// such as the `not` schema inside `ApiextensionsV1.JSONSchemaProps`.
///
/// It has value semantics (the box is immutable; setting replaces it) and encodes and decodes
/// exactly as the wrapped value, without any wrapper in the JSON.
public struct Indirect<Wrapped> {
    private final class Box {
        let value: Wrapped
        init(_ value: Wrapped) { self.value = value }
    }

    private var box: Box

    /// Boxes a value.
    public init(_ value: Wrapped) { box = Box(value) }

    /// The wrapped value.
    public var value: Wrapped {
        get { box.value }
        set { box = Box(newValue) }
    }
}

extension Indirect: @unchecked Sendable where Wrapped: Sendable {}

extension Indirect: Equatable where Wrapped: Equatable {
    /// Compares the wrapped values.
    public static func == (lhs: Indirect, rhs: Indirect) -> Bool {
        lhs.box === rhs.box || lhs.value == rhs.value
    }
}

extension Indirect: Hashable where Wrapped: Hashable {
    /// Hashes the wrapped value.
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

extension Indirect: Decodable where Wrapped: Decodable {
    /// Decodes the wrapped value from the same position.
    public init(from decoder: any Decoder) throws { self.init(try Wrapped(from: decoder)) }
}

extension Indirect: Encodable where Wrapped: Encodable {
    /// Encodes the wrapped value in place.
    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
