import OrderedCollections

/// An unstructured JSON document that keeps the order of object members.
///
/// Used for objects whose schema is not compiled in (custom resources, `RawExtension`),
/// and as the working form of every patch.
public enum JSONValue: Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integral number that fits in 64 bits.
    case int(Int64)
    /// Any other number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object; member order is preserved as written.
    case object(OrderedDictionary<String, JSONValue>)
}
