#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension JSONValue {
    /// Converts an `Encodable` value into a JSON value by encoding it with `JSONEncoder`
    /// and parsing the result (member order follows the encoder's output).
    ///
    /// - Throws: `EncodingError` when the value cannot be encoded (for example a non-finite double).
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        self = try JSONValue(parsing: data)
    }

    /// Decodes a `Decodable` type from this value by serializing it and running `JSONDecoder`.
    ///
    /// - Throws: `DecodingError` when the value does not have the shape `T` expects.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(serialized(escapingHTML: false)))
    }
}
